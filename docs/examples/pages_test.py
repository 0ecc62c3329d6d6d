"""Checks that every page of docs/ that shows an example ("This is
`docs/examples/NAME.cpp`", then a ```cpp block) shows the file as it is, so
that the page cannot drift from the program the tests build and run. A page
may leave out the file's opening comment lines. It also checks that every
file and heading that docs/examples/README.md links to exists, and every
link of a page into docs/examples/.
Usage: pages_test.py DOCS_DIR"""
import os
import re
import sys

docs = sys.argv[1]
root = os.path.dirname(os.path.abspath(docs.rstrip("/")))
pages = [os.path.join(docs, p) for p in sorted(os.listdir(docs)) if p.endswith(".md")]
pages += [os.path.join(docs, "examples", "README.md"), os.path.join(root, "README.md")]
problems = []
shown = 0


def headings(path):
    """The anchors of a Markdown file's headings, as GitHub makes them."""
    with open(path) as f:
        titles = re.findall(r"^#+ (.*)$", f.read(), re.M)
    return {re.sub(r"[^\w\- ]", "", t.strip().lower()).replace(" ", "-") for t in titles}


for page in pages:
    with open(page) as f:
        text = f.read()
    for m in re.finditer(r"This is `docs/examples/([\w.]+\.cpp)`", text):
        block = re.compile(r"```cpp\n(.*?)```\n", re.S).search(text, m.end())
        source = os.path.join(docs, "examples", m.group(1))
        if not block or not os.path.exists(source):
            problems.append(f"{page}: no code block, or no file, for {m.group(1)}")
            continue
        with open(source) as f:
            lines = f.read().splitlines(keepends=True)
        whole = "".join(lines)
        while lines and lines[0].startswith("//"):
            lines.pop(0)
        if block.group(1) not in (whole, "".join(lines)):
            problems.append(f"{page}: the code shown differs from docs/examples/{m.group(1)}")
        shown += 1
    # Relative links ([text](path) or (path#heading)) of examples/README.md,
    # and those of every page into docs/examples/: the file and the heading
    # must exist.
    mine = page.endswith(os.path.join("examples", "README.md"))
    for target, anchor in re.findall(r"\]\(([^)#:\s]+)(?:#([^)]*))?\)", text):
        path = os.path.normpath(os.path.join(os.path.dirname(page), target))
        if not mine and os.path.join("docs", "examples") not in path:
            continue
        if not os.path.exists(path):
            problems.append(f"{page}: the link {target} leads nowhere")
        elif anchor and anchor not in headings(path):
            problems.append(f"{page}: {target} has no heading #{anchor}")
assert shown >= 5, f"only {shown} examples found in the pages"
assert not problems, "\n".join(problems)
print(f"pages: {shown} examples shown as they are; the links lead somewhere")
