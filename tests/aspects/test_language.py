"""Language detection on short paragraphs, and the language aspect built on it."""

from __future__ import annotations

import pytest

from hymar.rewards.aspects import LanguageAspect
from hymar.rewards.aspects.language_detect import SUPPORTED_LANGUAGES, detect_language
from hymar.rewards.types import Sample

PARAGRAPHS = [
    ("en", "The picture shows a small dog sitting next to a red bicycle. It looks happy and the sun is shining."),
    ("fr", "L'image montre un petit chien assis à côté d'un vélo rouge. Il a l'air content et le soleil brille."),
    ("de", "Das Bild zeigt einen kleinen Hund, der neben einem roten Fahrrad sitzt. Er sieht glücklich aus und die Sonne scheint."),
    ("es", "La imagen muestra un perro pequeño sentado junto a una bicicleta roja. Parece feliz y el sol brilla."),
    ("it", "L'immagine mostra un piccolo cane seduto accanto a una bicicletta rossa. Sembra felice e il sole splende."),
    ("pt", "A imagem mostra um cão pequeno sentado ao lado de uma bicicleta vermelha. Ele parece feliz e o sol está brilhando."),
    ("nl", "De afbeelding toont een kleine hond die naast een rode fiets zit. Hij ziet er blij uit en de zon schijnt."),
    ("zh", "图片显示一只小狗坐在一辆红色自行车旁边。它看起来很开心，阳光明媚。"),
    ("ja", "画像には赤い自転車の隣に座っている小さな犬が写っています。嬉しそうです。"),
    ("ko", "사진에는 빨간 자전거 옆에 앉아 있는 작은 개가 있습니다. 행복해 보입니다."),
    ("ru", "На картинке маленькая собака сидит рядом с красным велосипедом. Она выглядит счастливой."),
    ("ar", "تظهر الصورة كلبا صغيرا يجلس بجانب دراجة حمراء. يبدو سعيدا."),
    ("el", "Η εικόνα δείχνει ένα μικρό σκύλο που κάθεται δίπλα σε ένα κόκκινο ποδήλατο."),
    ("he", "בתמונה נראה כלב קטן יושב ליד אופניים אדומים. הוא נראה שמח."),
    ("hi", "चित्र में एक छोटा कुत्ता लाल साइकिल के पास बैठा है। वह खुश दिख रहा है।"),
]


@pytest.mark.parametrize(("lang", "text"), PARAGRAPHS, ids=[p[0] for p in PARAGRAPHS])
def test_detects_paragraph(lang, text):
    detection = detect_language(text)
    assert detection.language == lang, detection
    assert detection.confidence >= 0.5


def test_all_supported_languages_covered():
    assert {p[0] for p in PARAGRAPHS} == set(SUPPORTED_LANGUAGES)


UNDETECTABLE = [
    ("42", "a number"),
    ("Paris", "one word"),
    ("yes no", "two words: under the minimum"),
    ("Paris Berlin Rome Madrid", "names only, no stopwords"),
    ("", "empty"),
]


@pytest.mark.parametrize(("text", "reason"), UNDETECTABLE, ids=[u[1] for u in UNDETECTABLE])
def test_undetectable(text, reason):
    detection = detect_language(text)
    assert detection.language is None and detection.confidence == 0.0


def test_short_text_gets_lower_confidence():
    # reason: three words carry less evidence than a paragraph
    short = detect_language("Le chat dort")
    long = detect_language(PARAGRAPHS[1][1])
    assert short.language == "fr" and short.confidence < long.confidence


def test_code_mixed_chinese_answer():
    # reason: a Chinese answer with a Latin variable name is still Chinese
    assert detect_language("答案是 x 等于五，因为两边相加。").language == "zh"


ASPECT = [
    ("Answer in French.", PARAGRAPHS[1][1], 1.0, "right language"),
    ("Answer in French.", PARAGRAPHS[0][1], 0.0, "wrong language"),
    ("Respond in Chinese.", "<think>The dog sits.</think><answer>" + PARAGRAPHS[7][1] + "</answer>", 1.0, "answer section judged, not the English reasoning"),
    ("Answer in German.", "<answer>Paris</answer>", None, "too short: not applicable"),
    ("Describe the image.", PARAGRAPHS[0][1], None, "no language stated"),
]


@pytest.mark.parametrize(("prompt", "completion", "value", "reason"), ASPECT, ids=[a[3] for a in ASPECT])
def test_language_aspect(prompt, completion, value, reason):
    score = LanguageAspect().score_one(Sample(prompt=prompt, completion=completion))
    assert score.valid and score.value == value, score.info


def test_unsupported_language_is_invalid():
    score = LanguageAspect().score_one(Sample(prompt="x", completion="Habari yako rafiki", constraints={"language": "sw"}))
    assert not score.valid and "sw" in score.info["reason"]


def test_confidence_passed_through():
    score = LanguageAspect().score_one(Sample(prompt="Answer in French.", completion="Le chat dort"))
    assert score.value == 1.0 and score.confidence < 0.5
