"""The intent classifier's own decisions, on a small model trained here: the greeting never
decides, a named scheme wins over a hesitant guess but not over a request, and intents that start
the same conversation add up."""

import pytest

from bot.nlu.linear_intent import LinearIntentModel

EXAMPLES = {
    "greet": ["bonjour", "salut", "bonsoir madame", "slt", "coucou", "bjr"],
    "info_cej": [
        "c'est quoi le contrat d'engagement jeune",
        "le cej c koi",
        "un suivi pour les jeunes avec de l'argent",
        "jeune sans formation aide mensuelle",
    ],
    "info_clea": [
        "apprendre a lire et ecrire",
        "je sais pas bien compter",
        "remise a niveau en calcul",
        "certificat de competences de base",
    ],
    "ask_callback": [
        "rappelez moi",
        "je veux etre rappele",
        "qu'on me telephone svp",
        "un conseiller peut m'appeler",
    ],
    "talk_to_human": [
        "je veux parler a quelqu'un",
        "un humain svp",
        "passez moi une personne",
        "je prefere parler a un conseiller",
    ],
}


@pytest.fixture(scope="module")
def model():
    texts = [t for examples in EXAMPLES.values() for t in examples]
    intents = [i for i, examples in EXAMPLES.items() for _ in examples]
    return LinearIntentModel.train(texts, intents, c=10, name_wins_below=0.6)


def test_the_question_decides_not_the_greeting(model):
    probabilities = model.probabilities(
        "Bonsoir madame. Je sais pas bien lire ni compter, il y a une remise a niveau ?"
    )
    assert max(probabilities, key=probabilities.get) == "info_clea"


def test_a_named_scheme_wins_over_a_hesitant_guess_but_not_over_a_request(model):
    hesitant = {
        "info_clea": 0.4,
        "info_cej": 0.3,
        "greet": 0.1,
        "ask_callback": 0.1,
        "talk_to_human": 0.1,
    }
    assert model.decide(hesitant, ["cej"])[0][0] == "info_cej"
    sure = {**hesitant, "info_clea": 0.65, "info_cej": 0.05}
    assert model.decide(sure, ["cej"])[0][0] == "info_clea"
    request = {**hesitant, "ask_callback": 0.45, "info_clea": 0.25}
    assert model.decide(request, ["cej"])[0][0] == "ask_callback"


def test_intents_that_start_the_same_conversation_add_up(model):
    split = {
        "info_cej": 0.38,
        "ask_callback": 0.29,
        "talk_to_human": 0.21,
        "info_clea": 0.07,
        "greet": 0.05,
    }
    top, confidence = model.decide(split, [])[0]
    assert top == "ask_callback" and confidence == pytest.approx(0.5)


def test_cross_validation_reads_the_training_data_and_scores_by_label(kb):
    from bot.crossval import cross_validate, label_of, training_examples

    examples = training_examples()
    assert len(examples) >= 4000
    assert {label_of(intent) for _, intent in examples} >= set(kb.fiches) | {"booking", "alert"}
    assert all("]{" not in text for text, _ in examples)  # annotations removed
    small = [pair for pair in examples if pair[1] in ("info_clea", "info_francais")]
    report = cross_validate(small, folds=3)
    assert set(report["per_label"]) == {"clea", "francais"} and report["accuracy"] > 0.8
