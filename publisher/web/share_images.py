"""The Share page's images (issue 14): the article's own, picked by checkbox, each with its alt text.

The form names an image by its place in the article's list (render.images.article_images), never by a
URL: `image` (repeatable) holds the places picked, `image_alt_N` the alt text of place N (prefilled with the
article's). What is picked travels through the confirmation page as the same hidden fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from publisher.config import Settings
from publisher.errors import ImageRefused
from publisher.render.images import PickedImage, check_images

ALT_FIELD = "image_alt_"


@dataclass
class Picks:
    """The images as the form has them: the places picked and the alt texts typed (place -> text)."""

    images: list[dict[str, str]]  # the article's images ({"url", "alt"}), as listed on the page
    checked: list[int] = field(default_factory=list)
    alts: dict[int, str] = field(default_factory=dict)

    def alt_for(self, index: int) -> str:
        """The alt text shown for place `index`: as typed, else the article's own."""
        return self.alts.get(index, self.images[index]["alt"])

    @property
    def picked(self) -> tuple[PickedImage, ...]:
        return tuple(PickedImage(self.images[i]["url"], self.alt_for(i)) for i in self.checked)

    @property
    def chosen(self) -> list[dict[str, str]]:
        """The picks as shown on the confirmation: {"index", "url", "alt"}."""
        return [{"index": str(i), "url": self.images[i]["url"], "alt": self.alt_for(i)} for i in self.checked]

    def problem(self, settings: Settings, channels: Sequence[str]) -> str | None:
        """Why the picks cannot go to these channels (no alt text, more than a network takes), or None."""
        missing = [i + 1 for i in self.checked if not self.alt_for(i)]
        if missing:
            return f"Image {missing[0]} needs alt text: describe it for the people who cannot see it."
        try:
            check_images(settings, [{"url": c["url"], "alt": c["alt"]} for c in self.chosen], channels)
        except ImageRefused as exc:
            return str(exc)
        return None


def read_picks(form: FormData | None, images: list[dict[str, str]]) -> Picks:
    """The picks a submitted form holds (places outside the list are ignored); none without a form."""
    picks = Picks(images)
    if form is None:
        return picks
    for value in form.getlist("image"):
        if isinstance(value, str) and value.isdigit() and int(value) < len(images) and int(value) not in picks.checked:
            picks.checked.append(int(value))
    for index in range(len(images)):
        typed = form.get(f"{ALT_FIELD}{index}")
        if isinstance(typed, str):
            picks.alts[index] = " ".join(typed.split())[:1500]
    return picks
