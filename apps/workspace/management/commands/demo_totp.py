from django.core.management.base import BaseCommand

from apps.accounts.totp import totp_code

from .seed_demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo admin and lead (demo data only)."

    def handle(self, *args, **options):
        self.stdout.write(totp_code(DEMO_TOTP_SECRET))
