"""Parses one feed file with Debian's feedparser and prints what a reader would see, as JSON.

Usage: /usr/bin/python3 parse-feed.py FILE
       /usr/bin/python3 parse-feed.py --many FILE...   (one JSON object: file name -> what FILE alone prints)
"""
import json
import sys

import feedparser


def person(p):
    return {"name": p.get("name"), "email": p.get("email"), "href": p.get("href")}


def parse(path):
    with open(path, "rb") as f:
        data = f.read()
    parsed = feedparser.parse(data)
    return {
        "feedparser": feedparser.__version__,
        "bozo": parsed.bozo,
        "bozo_exception": repr(parsed.get("bozo_exception")) if parsed.bozo else None,
        "version": parsed.version,
        "feed": {
            "title": parsed.feed.get("title"),
            "link": parsed.feed.get("link"),
            "id": parsed.feed.get("id"),
            "updated": parsed.feed.get("updated"),
            "language": parsed.feed.get("language"),
            "authors": [person(a) for a in parsed.feed.get("authors", [])],
            "links": [{"rel": l.get("rel"), "href": l.get("href"), "type": l.get("type")} for l in parsed.feed.get("links", [])],
        },
        "entries": [
            {
                "title": e.get("title"),
                "title_type": e.get("title_detail", {}).get("type"),
                "link": e.get("link"),
                "id": e.get("id"),
                "guidislink": e.get("guidislink"),
                "published": e.get("published"),
                "published_parsed": list(e.published_parsed[:6]) if e.get("published_parsed") else None,
                "updated": e.get("updated"),
                "updated_parsed": list(e.updated_parsed[:6]) if e.get("updated_parsed") else None,
                "authors": [person(a) for a in e.get("authors", [])],
                "tags": [t.get("term") for t in e.get("tags", [])],
                "summary": e.get("summary"),
                "content": [c.get("value") for c in e.get("content", [])],
                "enclosures": [
                    {"href": n.get("href"), "type": n.get("type"), "length": n.get("length")}
                    for n in e.get("enclosures", [])
                ],
                "media_content": [
                    {"url": m.get("url"), "type": m.get("type"), "medium": m.get("medium")}
                    for m in e.get("media_content", [])
                ],
            }
            for e in parsed.entries
        ],
    }


def main():
    if sys.argv[1] == "--many":
        out = {path: parse(path) for path in sys.argv[2:]}
    else:
        out = parse(sys.argv[1])
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
