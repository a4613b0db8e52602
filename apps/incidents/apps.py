from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "apps.incidents"
    label = "incidents"

    def ready(self) -> None:
        """The incidents' parts in the lower apps' registries: the pipeline links the mentions of
        an active incident (after risk rates them, before routing assigns them), the inbox's bulk
        action that links a selection to one, routing's list of urgent mentions whose waiting
        nobody need be told of (the incident's team has them), the answer listeners that follow
        its statements through their approval, which of them are hidden from the agency's
        people not in a private incident and kept off the client's webhooks, the mention page's
        incidents panel, and its audit events' sentences."""
        from django.db.models.signals import post_delete

        from apps.core.sentences import register_sentences
        from apps.listening import pipeline
        from apps.mentions.services import BulkAction, bulk_actions
        from apps.mentions.views import bulk_choices, mention_panels
        from apps.responses.events import answer_listeners
        from apps.responses.notices import team_only_answers
        from apps.responses.selectors import answers_hidden
        from apps.routing.services import covered_elsewhere

        from . import events
        from .counting import uncount
        from .models import IncidentMention
        from .pipeline import link_new_mentions, store_links
        from .selectors import (
            in_active_incidents,
            is_private_statement,
            open_incident_choices,
            private_statement_answers,
        )
        from .services import bulk_link_to_incident
        from .statements import follow_statement
        from .views import incident_panel

        pipeline.ingest_steps.register("incidents", link_new_mentions, rank=15)
        pipeline.after_insert.register("incidents", store_links, rank=150)
        bulk_actions.register(
            "incident", BulkAction(needs=("incident",), run=bulk_link_to_incident, together=True), rank=55
        )
        bulk_choices.register("incident", open_incident_choices)
        covered_elsewhere.register("incidents", in_active_incidents)
        answer_listeners.register("incidents", follow_statement)
        answers_hidden.register("incidents", private_statement_answers)
        team_only_answers.register("incidents", is_private_statement)
        mention_panels.register("incidents", incident_panel, rank=40)
        register_sentences(events.SENTENCES)
        post_delete.connect(uncount, sender=IncidentMention, dispatch_uid="incidents.uncount")
