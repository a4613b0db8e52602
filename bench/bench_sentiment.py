"""Sentiment on the labelled development set: the shipped analyser against lexicon and rules.

For pl and de the development set's shippable rows are the models' training data, so their
figure is the cross-validated one recorded in the model file at training (a model judged only
on rows it did not see); the in-sample figure is printed beside it and means nothing. For da,
nb (lexicon) and en (trained on other English sets) the figure is measured here.
Speed is one text per call, as the pipeline calls it, both analysers in the same run.
"""

import time

from common import ROOT, report

DEVELOPMENT_SET = ROOT.parent / "shared" / "data" / "sentiment-dev.csv"


def main() -> None:
    import django

    django.setup()
    from apps.listening.enrichment.sentiment import LexiconSentimentAnalyser, TrainedSentimentAnalyser
    from apps.listening.enrichment.sentiment_model import load_model
    from apps.listening.management.commands.evaluate_sentiment import read_examples, scores

    examples = read_examples(DEVELOPMENT_SET)
    lexicon, trained = LexiconSentimentAnalyser(), TrainedSentimentAnalyser()
    labels, seconds = {}, {"lexicon": 0.0, "trained": 0.0}
    for _ in range(3):  # alternate, so a noisy neighbour slows both alike
        for name, analyser in (("lexicon", lexicon), ("trained", trained)):
            started = time.process_time()
            labels[name] = [analyser.analyse(text, language).label for language, text, _ in examples]
            seconds[name] += time.process_time() - started

    for language in sorted({language for language, _, _ in examples}):
        indices = [i for i, (code, _, _) in enumerate(examples) if code == language]
        gold = [examples[i][2] for i in indices]
        before = scores(gold, [labels["lexicon"][i] for i in indices])["macro_f1"]
        measured = scores(gold, [labels["trained"][i] for i in indices])["macro_f1"]
        model = load_model(language)
        note = model.header["macro-F1"] if model else "lexicon and rules"
        value = float(note.split()[0]) if model and "cross-validation" in note else measured
        extra = {"in_sample": measured} if value != measured else {}
        report(
            f"sentiment_macro_f1_{language}", value, "macro-F1", "lexicon and rules", before, n=len(indices), **extra
        )
    runs = 3 * len(examples)
    report(
        "sentiment_texts_per_second",
        runs / seconds["trained"],
        "texts/s/core",
        "lexicon and rules",
        runs / seconds["lexicon"],
    )


if __name__ == "__main__":
    main()
