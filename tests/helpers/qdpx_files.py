# ruff: noqa: E501 (fixture XML reads best one element a line, as the programs write it)
"""Small hand-written .qdpx files in the style of other programs' exports, for the REFI-QDA
import tests. Written from what each program is documented to do, not copied from one:

* QualCoder: lower-case GUIDs, texts inline (PlainTextContent), categories as codes that
  cannot be coded with codes nested under them, cases carrying the variables, memos as
  notes referenced from the coded selection;
* MAXQDA: GUIDs in braces and upper case, texts in ``sources/`` (UTF-8 with a BOM, the
  zip folder spelt ``Sources/``), a rich-text copy beside each, codable top-level codes
  with children, colours, document variables on the source itself.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

NS = "urn:QDA-XML:project:1.0"
# Emoji (outside the BMP: two UTF-16 units, one code point), a combining accent
# (e + U+0301: two code points, one letter on screen) and a CJK character.
UNICODE_TEXT = "Tr\u00e8s bien 👍🏽 cafe\u0301 日本"


def g(n: int, braces: bool = False) -> str:
    """The n-th GUID of a fixture (readable: the number is its tail)."""
    value = f"00000000-0000-4000-8000-{n:012d}"
    return "{" + value.upper() + "}" if braces else value


def write(path: Path, qde: str, files: dict[str, bytes] | None = None) -> Path:
    """A .qdpx at ``path``: ``project.qde`` and ``files`` (zip name -> bytes)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde.encode("utf-8"))
        for name, data in (files or {}).items():
            zf.writestr(name, data)
    return path


def qualcoder(path: Path) -> Path:
    """Two texts, a category "Emotions" (not codable) over "joy" and "anger", a loose
    code "Places" with a child "City"; coder "colin" codes both whole texts, with a memo
    on the first; cases carry an Integer and a Text variable."""
    texts = [UNICODE_TEXT, "Second answer & <escaped> text"]
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="qc project" origin="QualCoder 3.7">
 <Users><User guid="{g(1)}" name="colin"/></Users>
 <CodeBook><Codes>
  <Code guid="{g(10)}" name="Emotions" isCodable="false" color="#AABBCC">
   <Description>feelings</Description>
   <Code guid="{g(11)}" name="joy" isCodable="true" color="#00FF00"/>
   <Code guid="{g(12)}" name="anger" isCodable="true"/>
  </Code>
  <Code guid="{g(20)}" name="Places" isCodable="true">
   <Code guid="{g(21)}" name="City" isCodable="true"/>
  </Code>
 </Codes></CodeBook>
 <Variables>
  <Variable guid="{g(30)}" name="age" typeOfVariable="Integer"/>
  <Variable guid="{g(31)}" name="region" typeOfVariable="Text"/>
 </Variables>
 <Cases>
  <Case guid="{g(40)}" name="P1">
   <VariableValue><VariableRef targetGUID="{g(30)}"/><IntegerValue>34</IntegerValue></VariableValue>
   <VariableValue><VariableRef targetGUID="{g(31)}"/><TextValue>north</TextValue></VariableValue>
   <SourceRef targetGUID="{g(50)}"/>
  </Case>
  <Case guid="{g(41)}" name="P2">
   <VariableValue><VariableRef targetGUID="{g(31)}"/><TextValue>south</TextValue></VariableValue>
   <SourceRef targetGUID="{g(51)}"/>
  </Case>
 </Cases>
 <Sources>
  <TextSource guid="{g(50)}" name="interview1.txt">
   <PlainTextContent>{texts[0]}</PlainTextContent>
   <PlainTextSelection guid="{g(60)}" startPosition="0" endPosition="{len(texts[0])}" creatingUser="{g(1)}">
    <Coding guid="{g(70)}" creatingUser="{g(1)}"><CodeRef targetGUID="{g(11)}"/></Coding>
    <Coding guid="{g(71)}" creatingUser="{g(1)}"><CodeRef targetGUID="{g(21)}"/></Coding>
    <NoteRef targetGUID="{g(80)}"/>
   </PlainTextSelection>
  </TextSource>
  <TextSource guid="{g(51)}" name="interview2.txt">
   <PlainTextContent>Second answer &amp; &lt;escaped&gt; text</PlainTextContent>
   <PlainTextSelection guid="{g(61)}" startPosition="0" endPosition="{len(texts[1])}" creatingUser="{g(1)}">
    <Coding guid="{g(72)}" creatingUser="{g(1)}"><CodeRef targetGUID="{g(12)}"/></Coding>
   </PlainTextSelection>
  </TextSource>
 </Sources>
 <Notes>
  <Note guid="{g(80)}" name="memo" creatingUser="{g(1)}"><PlainTextContent>thumbs up, skin tone</PlainTextContent></Note>
  <Note guid="{g(81)}" name="project memo" creatingUser="{g(1)}"><PlainTextContent>pilot wave</PlainTextContent></Note>
 </Notes>
</Project>"""
    return write(path, qde)


def maxqda(
    path: Path, *, drop_source: bool = False, partial: bool | tuple[int, int] = False
) -> Path:
    """Two texts in ``Sources/`` (BOM, braces GUIDs); "Topics" (codable) over "Work";
    user "MX" codes text 1 whole with "Work". ``partial``: a third coding over part of
    text 2 (characters 0-5, or the (start, end) given). ``drop_source``: text 2's file
    left out of the zip."""
    texts = ["Erste Antwort über Arbeit.\r\nZweite Zeile.", "Short 2"]
    start, end = partial if isinstance(partial, tuple) else (0, 5)
    sel = (
        f'<PlainTextSelection guid="{g(62, True)}" startPosition="{start}" endPosition="{end}" '
        f'creatingUser="{g(2, True)}"><Coding guid="{g(73, True)}"><CodeRef '
        f'targetGUID="{g(11, True)}"/></Coding></PlainTextSelection>'
        if partial
        else ""
    )
    qde = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="{NS}" name="MAXQDA export" origin="MAXQDA 2022" basePath="C:\\\\data">
<Users><User guid="{g(2, True)}" name="MX"/></Users>
<CodeBook><Codes>
<Code guid="{g(10, True)}" name="Topics" isCodable="true" color="#ff0000">
<Code guid="{g(11, True)}" name="Work" isCodable="true" color="#00f"/>
</Code>
</Codes></CodeBook>
<Variables><Variable guid="{g(30, True)}" name="Gender" typeOfVariable="Text"/></Variables>
<Sources>
<TextSource guid="{g(50, True)}" name="Doc 1" richTextPath="internal://{g(50)}.docx" plainTextPath="internal://{g(50).upper()}.txt">
<PlainTextSelection guid="{g(60, True)}" startPosition="0" endPosition="{len(texts[0])}" creatingUser="{g(2, True)}">
<Coding guid="{g(70, True)}" creatingUser="{g(2, True)}"><CodeRef targetGUID="{g(11, True)}"/></Coding>
</PlainTextSelection>
<VariableValue><VariableRef targetGUID="{g(30, True)}"/><TextValue>f</TextValue></VariableValue>
</TextSource>
<TextSource guid="{g(51, True)}" name="Doc 2" plainTextPath="internal://{g(51).upper()}.txt">
{sel}
</TextSource>
</Sources>
</Project>"""
    files = {f"Sources/{g(50).upper()}.txt": b"\xef\xbb\xbf" + texts[0].encode("utf-8")}
    files[f"Sources/{g(50)}.docx"] = b"PK not really a docx"
    if not drop_source:
        files[f"Sources/{g(51).upper()}.txt"] = texts[1].encode("utf-8")
    return write(path, qde, files)


def two_tone_folders(path: Path) -> Path:
    """Two folders called "Tone"; the first an llmstudio single-label codebook (its
    description says so) whose two codes user "u" gave one text, with a code of the
    second folder too."""
    qde = f"""<Project xmlns="{NS}" name="p"><Users><User guid="{g(1)}" name="u"/></Users>
<CodeBook><Codes>
<Code guid="{g(10)}" name="Tone" isCodable="false"><Description>llmstudio codebook: single-label</Description>
<Code guid="{g(11)}" name="warm" isCodable="true"/><Code guid="{g(12)}" name="cold" isCodable="true"/></Code>
<Code guid="{g(20)}" name="Tone" isCodable="false"><Code guid="{g(21)}" name="x" isCodable="true"/></Code>
</Codes></CodeBook>
<Sources><TextSource guid="{g(50)}" name="s"><PlainTextContent>abc</PlainTextContent>
<PlainTextSelection guid="{g(60)}" startPosition="0" endPosition="3" creatingUser="{g(1)}">
<Coding guid="{g(70)}"><CodeRef targetGUID="{g(11)}"/></Coding>
<Coding guid="{g(71)}"><CodeRef targetGUID="{g(12)}"/></Coding>
<Coding guid="{g(72)}"><CodeRef targetGUID="{g(21)}"/></Coding>
</PlainTextSelection></TextSource></Sources></Project>"""
    return write(path, qde)


# An answer with an emoji outside the BMP (one code point, two UTF-16 units) before the
# coded words: offsets that counted UTF-16 units would land one character late.
ATLAS_TEXTS = ["Service 🙂 was quick, staff rude.", "Staff friendly; service slow."]


def inclusive_ends(path: Path) -> Path:
    """In the style of a program that writes selection ends inclusive (the last
    character, as REFI-QDA 1.5 section 10.2 reads them) and names each selection with its
    text: two users, a two-level tree with colours and one name ("Positive") under two
    parents, overlapping selections of both users on text 1, a note on a selection, a
    case with an Integer and a Boolean variable, texts inline."""
    t = ATLAS_TEXTS

    def sel(n, text, start, end, user, code, note=""):
        stop = end - 1  # inclusive
        ref = f'<NoteRef targetGUID="{g(note)}"/>' if note else ""
        return (
            f'<PlainTextSelection guid="{g(n)}" name="{text[start:end]}" startPosition="{start}" '
            f'endPosition="{stop}" creatingUser="{g(user)}"><Coding guid="{g(n + 100)}" '
            f'creatingUser="{g(user)}"><CodeRef targetGUID="{g(code)}"/></Coding>{ref}'
            "</PlainTextSelection>"
        )

    quick, rude = t[0].index("quick"), t[0].index("rude")
    friendly, slow = t[1].index("friendly"), t[1].index("slow")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="atlas style" origin="ATLAS.ti-like">
 <Users><User guid="{g(1)}" name="Ann"/><User guid="{g(2)}" name="Bo"/></Users>
 <CodeBook><Codes>
  <Code guid="{g(10)}" name="Service" isCodable="true" color="#1f77b4">
   <Description>about the service</Description>
   <Code guid="{g(11)}" name="Positive" isCodable="true" color="#2CA02C"/>
   <Code guid="{g(12)}" name="Negative" isCodable="true" color="#d62728"/>
  </Code>
  <Code guid="{g(20)}" name="Staff" isCodable="true" color="#9467bd">
   <Code guid="{g(21)}" name="Positive" isCodable="true"/>
   <Code guid="{g(22)}" name="Negative" isCodable="true"/>
  </Code>
 </Codes></CodeBook>
 <Variables>
  <Variable guid="{g(30)}" name="Age" typeOfVariable="Integer"/>
  <Variable guid="{g(31)}" name="Returning" typeOfVariable="Boolean"/>
 </Variables>
 <Cases>
  <Case guid="{g(40)}" name="R1">
   <VariableValue><VariableRef targetGUID="{g(30)}"/><IntegerValue>51</IntegerValue></VariableValue>
   <VariableValue><VariableRef targetGUID="{g(31)}"/><BooleanValue>true</BooleanValue></VariableValue>
   <SourceRef targetGUID="{g(50)}"/>
  </Case>
 </Cases>
 <Sources>
  <TextSource guid="{g(50)}" name="R1 answer">
   <PlainTextContent>{t[0]}</PlainTextContent>
   {sel(60, t[0], 0, quick + 5, 1, 11, note=80)}
   {sel(61, t[0], 8, quick + 5, 2, 11)}
   {sel(62, t[0], rude - 6, rude + 4, 1, 22)}
  </TextSource>
  <TextSource guid="{g(51)}" name="R2 answer">
   <PlainTextContent>{t[1]}</PlainTextContent>
   {sel(63, t[1], 0, friendly + 8, 2, 21)}
   {sel(64, t[1], slow - 8, slow + 4, 2, 12)}
  </TextSource>
 </Sources>
 <Notes>
  <Note guid="{g(80)}" name="note" creatingUser="{g(1)}"><PlainTextContent>fast, she says</PlainTextContent></Note>
 </Notes>
</Project>"""
    return write(path, qde)


def nvivo_style(path: Path) -> Path:
    """In the style of an NVivo export: texts in ``sources/`` as ``internal://GUID.txt``,
    upper-case GUIDs, every code codable at the top level with descriptions, a source
    description, exclusive ends, selections named with their text, and a set of sources
    (kept as a column "sets")."""
    text = "I moved because the rent rose. The bus is fine."
    rent = text.index("the rent rose")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="NVivo project" origin="NVivo-like">
 <Users><User guid="{g(3).upper()}" name="NV USER"/></Users>
 <CodeBook><Codes>
  <Code guid="{g(10).upper()}" name="Housing" isCodable="true"><Description>rent, moving</Description></Code>
  <Code guid="{g(11).upper()}" name="Transport" isCodable="true"/>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="{g(50).upper()}" name="Interview 1" plainTextPath="internal://{g(50).upper()}.txt">
   <Description>first interview</Description>
   <PlainTextSelection guid="{g(60).upper()}" name="the rent rose" startPosition="{rent}" endPosition="{rent + 13}" creatingUser="{g(3).upper()}">
    <Coding guid="{g(70).upper()}" creatingUser="{g(3).upper()}"><CodeRef targetGUID="{g(10).upper()}"/></Coding>
   </PlainTextSelection>
  </TextSource>
 </Sources>
 <Sets><Set guid="{g(90).upper()}" name="Wave 1"><MemberSource targetGUID="{g(50).upper()}"/></Set></Sets>
</Project>"""
    return write(path, qde, {f"sources/{g(50).upper()}.txt": text.encode("utf-8")})


QUALCODER_TEXT = "Q1: How was it?\nA: The nurse 👩‍⚕️ was kind but the wait was long."


def qualcoder_passages(path: Path) -> Path:
    """In the shape QualCoder's own REFI-QDA export writes text codings (its
    ``text_selection_xml`` in ccbogel/QualCoder src/qualcoder/refi.py, LGPL-3.0: element
    shapes mimicked, no code copied): ``startPosition``/``endPosition`` its Python
    ``pos0``/``pos1`` (end exclusive, code points), ``name`` the selected text,
    ``creatingUser`` and ``creationDateTime`` on the selection and the coding; the
    source's memo as its ``Description``; the text in ``sources/`` as
    ``internal://<name>.txt``. The text holds a ZWJ emoji sequence (four code points)."""
    t = QUALCODER_TEXT
    nurse, wait = t.index("The nurse"), t.index("the wait")
    kind_end = t.index(" but")

    def sel(n, start, end, user, code):
        return (
            f'<PlainTextSelection guid="{g(n)}" startPosition="{start}" endPosition="{end}" '
            f'name="{t[start:end]}" creatingUser="{g(user)}" '
            f'creationDateTime="2024-03-01T10:00:00Z">\n<Coding guid="{g(n + 100)}" '
            f'creatingUser="{g(user)}" ><CodeRef targetGUID="{g(code)}" />\n</Coding>\n'
            "</PlainTextSelection>\n"
        )

    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="clinic" origin="QualCoder 3.5" creationDateTime="2024-03-01T10:00:00Z">
<Users><User guid="{g(1)}" name="default"/><User guid="{g(2)}" name="jo"/></Users>
<CodeBook><Codes>
<Code guid="{g(10)}" name="Care" isCodable="false" color="#F5A9A9">
<Description>category</Description>
<Code guid="{g(11)}" name="staff" isCodable="true" color="#81BEF7"/>
<Code guid="{g(12)}" name="waiting" isCodable="true" color="#FAAC58"/>
</Code>
</Codes></CodeBook>
<Sources>
<TextSource creatingUser="{g(1)}" creationDateTime="2024-03-01T10:00:00Z" plainTextPath="internal://interview.txt" guid="{g(50)}" name="interview.txt" >
<Description>phone interview</Description>
{sel(60, nurse, kind_end, 1, 11)}{sel(61, nurse, kind_end, 2, 11)}{sel(62, wait, len(t) - 1, 2, 12)}</TextSource>
</Sources>
</Project>"""
    return write(path, qde, {"sources/interview.txt": t.encode("utf-8")})
