"""Conservative boilerplate removal for uncurated text files.

Teams drop raw text into the knowledge base: machine transcripts copied off a podcast page,
articles scraped from a republishing site. Those carry text that is not content (sponsor reads,
page chrome, comment forms, duplicated photo captions) and that would otherwise be quoted back
as if a source had said it. `clean_text` removes it and reports every removed span verbatim, so
that ingest can log what was dropped.

The guiding rule is that a false positive is worse than a miss: a sponsor line left in costs a
little noise, a content sentence dropped costs a quote an analyst needs. So every rule below only
fires on a formula that content practically never uses, anchored where boilerplate sits (the
start of a line or sentence, a whole line, the tail of a document), and the cleaner only ever
*removes*: it never rewrites a kept word, so the words of the output are always a subsequence of
the words of the input.

Rules, in the order a pass applies them:

1. Page chrome: whole lines such as "Transcript", "Discussion (0)", "Advertisement", "Skip to
   main content", cookie banners (`CHROME_LINES`); and the page-header run "Email us at … Learn
   more about sponsor message choices … NPR Privacy Policy" when it is glued onto the end of a
   line of real text, as scraped headers often are (`CHROME_SUFFIX`).
2. Comment footers ("Leave a Reply", "Deja una respuesta", "Comments (3)", "Your email address
   will not be published …"): a heading in the back half of the document starts a trailing
   footer that runs to the end of the text; elsewhere only the heading and the form lines right
   after it go (`FOOTER_HEADINGS`, `FOOTER_FORM_LINES`).
3. Sponsor reads (`SPONSOR_OPENERS`), which open at the start of a line or of a sentence; a
   sponsor phrase inside a sentence ("… the message comes from the Kremlin") never counts. Where
   the read ends is the hard part, see `_ad_end`: in short, the read runs over the following
   lines until it positively ends (an ad-ending cue such as a web address, "… apply.", "Thank
   you." or "wherever you get your podcasts"; the next line opening a new segment such as another
   sponsor read or a program ident like "It's Consider This from NPR"; or the next line
   continuing, in lower case, a content sentence the read interrupted). If no such end shows up
   within a short window, or a paragraph break, chrome line or the end of the text comes first,
   only the sponsor formula's own sentence is removed: the lines after it may be content.
4. Repeats: a line (within a paragraph) or a paragraph that repeats the previous one verbatim
   is dropped, keeping the first copy; if it looks like a photo caption (it ends with a credit
   such as "… via Getty Images" or "/AFP"), both copies go, since a caption is never what a
   question is about and a duplicated one marks scraped page furniture (`PHOTO_CREDITS`).

5. Page furniture (`furniture.py`): whole byline lines ("By Jane Doe, Reuters"), copyright
   lines ("© 2024 …", "All rights reserved."), publisher outros ("Reporting by …; Editing by
   …", "This article was originally published …", "Follow us on …"), datelines ("Updated:
   12 March 2024 10:42 GMT"), lines that are nothing but links, and reading lists: a heading
   such as "Further reading" or "Related" with the link-like lines after it (links, short
   list items, headlines without a full stop).

A pass can expose more of the same (a paragraph repeated on both sides of a removed ad), so
passes repeat until one removes nothing; that also makes cleaning idempotent.

Output layout: paragraphs (runs of non-blank lines) are joined by one blank line, surrounding
blank lines go, and every kept line is left exactly as it was unless part of it was removed, in
which case the kept pieces are trimmed and joined by a single space.
"""

from knowledge.cleaning.clean import CleanResult, clean_text

__all__ = ["CleanResult", "clean_text"]
