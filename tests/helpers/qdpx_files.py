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
