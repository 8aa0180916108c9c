import pytest

from figures.models import Style
from figures.prompts import build_prompt


@pytest.mark.parametrize("style", [s.value for s in Style])
def test_every_style_builds_a_prompt_that_forbids_text(style):
    prompt = build_prompt(style=style, accessories=["coffee mug"], tagline="Barista")

    assert "coffee mug" in prompt.positive
    assert "plain" in prompt.positive and "backdrop" in prompt.positive
    assert "text" in prompt.negative and "letters" in prompt.negative


def test_styles_give_different_prompts():
    prompts = {build_prompt(style=s.value, accessories=[]).positive for s in Style}

    assert len(prompts) == len(Style)


def test_user_text_cannot_inject_prompt_syntax():
    prompt = build_prompt(
        style="action_figure",
        accessories=['sword"), (nsfw:1.5', "a\nnew line", "ü-Löffel"],
        tagline="CEO <script>",
    )

    assert "(" not in prompt.positive and ":1.5" not in prompt.positive
    assert "<" not in prompt.positive and "\n" not in prompt.positive
    assert "ü-Löffel" in prompt.positive


def test_unknown_style_is_refused():
    with pytest.raises(ValueError):
        build_prompt(style="gothic", accessories=[])
