"""Draw the made-up logos of the two example departments (content/departments/logos/).

    .venv/bin/python scripts/make-example-logos.py

They exist to show that a department can bring an SVG or a PNG logo; they are
not the logo of any real department. The SVG is written as text, the PNG is
drawn with Pillow (which WeasyPrint already installs).
"""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "content" / "departments" / "logos"

SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" width="120" height="40">
  <title>Eksempel: Dagtilbud Nord</title>
  <circle cx="20" cy="20" r="16" fill="#2e7d5b"/>
  <path d="M20 8 L30 28 L10 28 Z" fill="#ffffff"/>
  <rect x="44" y="12" width="70" height="5" rx="2" fill="#2e7d5b"/>
  <rect x="44" y="23" width="52" height="5" rx="2" style="fill: #e0a030"/>
</svg>
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "eksempel-dagtilbud-nord.svg").write_text(SVG, encoding="utf-8")
    image = Image.new("RGBA", (480, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, 152, 152), radius=24, fill=(30, 90, 160, 255))
    draw.rectangle((40, 40, 120, 56), fill=(255, 255, 255, 255))
    draw.rectangle((40, 72, 120, 88), fill=(255, 255, 255, 255))
    draw.rectangle((40, 104, 96, 120), fill=(255, 255, 255, 255))
    draw.rounded_rectangle((184, 48, 460, 72), radius=8, fill=(30, 90, 160, 255))
    draw.rounded_rectangle((184, 92, 400, 112), radius=8, fill=(200, 60, 70, 255))
    image.save(OUT / "eksempel-skoleafdelingen.png", optimize=True)


if __name__ == "__main__":
    main()
