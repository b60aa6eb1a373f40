"""report.html: one offline page for the teacher (no scripts, no external resources): summary,
a roster table linking each student's feedback, the score histogram (inline SVG), per-part
success rates and the most common wrong answers with their counts, what they were read as
(MathML) and feedback. Every student string goes through the HTML escaper; the timestamp, when
one is passed in, is the only content that is not deterministic."""
from __future__ import annotations

from typing import Optional
from urllib.parse import quote

from grader.answers.parser import parse
from grader.checking.othervalues import Classmates
from grader.formats.class_stats import ROSTER_MAX_ROWS, ClassStats, percent
from grader.show.escape import html_text, one_line
from grader.formats.plain_text import columns
from grader.number_format import format_score
from grader.model import CORRECT, INCORRECT, INVALID, MISSING, Problem
from grader.show.mathml import mathml
from grader.show.html import steps_html
from grader.show.text import unsaid

__all__ = ["report_html_from"]


def _histogram_svg(counts: list[int]) -> str:
    bins = len(counts)
    width, height, pad, top = 640, 240, 40, 20
    bar_w = (width - 2 * pad) / bins
    peak = max(counts) or 1
    out = [f'<svg role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" aria-label="Score distribution">']
    base = height - pad
    out.append(f'<line x1="{pad}" y1="{base}" x2="{width - pad}" y2="{base}" stroke="#444"/>')
    for i, c in enumerate(counts):
        h = (base - top) * c / peak
        x = pad + i * bar_w
        lo, hi = 100 * i // bins, 100 * (i + 1) // bins
        label = f"{lo}–{hi}%: {c} submission{'s' if c != 1 else ''}"
        out.append(f'<rect x="{x + 2:.1f}" y="{base - h:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}" '
                   f'fill="#4a78b5"><title>{html_text(label)}</title></rect>')
        if c:
            out.append(f'<text x="{x + bar_w / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" '
                       f'font-size="12">{c}</text>')
        out.append(f'<text x="{x + bar_w / 2:.1f}" y="{base + 16}" text-anchor="middle" '
                   f'font-size="11">{lo}–{hi}</text>')
    out.append(f'<text x="{width / 2:.1f}" y="{height - 4}" text-anchor="middle" font-size="12">'
               f'score, % of the points possible</text>')
    out.append("</svg>")
    return "\n".join(out)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { background: #f6f6f6; padding: 0 .2em; white-space: pre-wrap; word-break: break-all; }
.muted { color: #666; }
""".strip()

def _interpreted_mathml(problems: Optional[dict[str, Problem]], pid: str, answer: Optional[str]) -> Optional[str]:
    """What an answer was read as, rendered by our own MathML renderer (no script, no network);
    parsed again from the exact text (our parser, within its budgets), only for the few answers shown."""
    problem = (problems or {}).get(pid)
    if problem is None or answer is None:
        return None
    try:
        return mathml(parse(answer, problem.table).tree)
    except Exception:      # unreadable answers are shown as typed
        return None


def _feedback_href(name: str) -> str:
    return "feedback/" + quote(f"{name}.md")


def _matched(cs: ClassStats, classmates: Optional[Classmates]) -> list[str]:
    """The answers right for a classmate's values, each with whose they are: the one place
    besides results.json that names them. The students' own feedback only says "another
    student's values", never whose, so a shared answer is the instructor's to look into."""
    if not cs.matched:
        return []
    h = ["<h2>Answers right for a classmate's values</h2>",
         '<p class="muted">For the instructor only: these students\' feedback says their numbers on several '
         "parts of a problem match another student's values, never whose. They are right, to every digit "
         "typed, for the values of the classmates named here (everyone who has those values).</p>",
         "<table>", "<tr><th>Student</th><th>Problem</th><th>Parts</th><th>Whose values</th><th>Rule</th></tr>"]
    for student, pid, parts, key, rule in cs.matched:
        names, more = classmates.whose(pid, key, student) if classmates is not None else ((), False)
        whose = ", ".join(names) + (" and more" if more else "") if names else "no one in the class now"
        h.append(f"<tr><td>{html_text(student)}</td><td><code>{html_text(pid)}</code></td>"
                 f"<td>{html_text(', '.join(parts))}</td><td>{html_text(whose)}</td><td>{html_text(rule or '')}</td></tr>")
    h.append("</table>")
    if cs.matched_more:
        h.append(f'<p class="muted">The first {ROSTER_MAX_ROWS}; results.json has every one (whose_values).</p>')
    return h


def report_html_from(cs: ClassStats, problems: Optional[dict[str, Problem]] = None,
                     generated_at: Optional[str] = None, *, title: Optional[str] = None,
                     due: Optional[str] = None, filenames: Optional[dict[str, str]] = None,
                     names: Optional[dict[str, str]] = None, classmates: Optional[Classmates] = None) -> str:
    """The page, from statistics gathered a submission at a time. `title` and `due`: the
    assignment's; `filenames`: each student's feedback file stem (links); `names`: the
    roster's names by submission id; `classmates`: whose value sets are whose (`_matched`)."""
    cols = columns(problems) if problems else cs.result_cols()
    stats = cs.part_stats(cols)
    max_total = sum(pts for _, _, pts in cols)
    scores = sorted(cs.scores)
    heading = f"{title or 'Backpropagation homework'}: grading report"
    h = []
    h.append("<!DOCTYPE html>")
    h.append('<html lang="en">')
    h.append("<head>")
    h.append('<meta charset="utf-8">')
    h.append('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
             'style-src \'unsafe-inline\'">')
    h.append('<meta name="viewport" content="width=device-width, initial-scale=1">')
    h.append(f"<title>{html_text(heading)}</title>")
    h.append(f"<style>\n{_CSS}\n</style>")
    h.append("</head>")
    h.append("<body>")
    h.append(f"<h1>{html_text(heading)}</h1>")
    if due:
        h.append(f"<p>Due: {html_text(due)}</p>")
    if generated_at:
        h.append(f'<p class="muted">Generated at {html_text(generated_at)}.</p>')
    h.append("<h2>Summary</h2>")
    h.append("<table>")
    h.append(f'<tr><th>Submissions</th><td class="num">{cs.total}</td></tr>')
    h.append(f'<tr><th>Graded</th><td class="num">{cs.graded}</td></tr>')
    h.append(f'<tr><th>of which partially graded</th><td class="num">{cs.partial}</td></tr>')
    h.append(f'<tr><th>Could not be graded</th><td class="num">{len(cs.errors)}</td></tr>')
    h.append(f'<tr><th>Points possible</th><td class="num">{html_text(format_score(max_total))}</td></tr>')
    if scores:
        mean = sum(scores) / len(scores)
        mid = len(scores) // 2
        median = scores[mid] if len(scores) % 2 else (scores[mid - 1] + scores[mid]) / 2
        h.append(f'<tr><th>Mean score (graded)</th><td class="num">{html_text(format_score(mean))}</td></tr>')
        h.append(f'<tr><th>Median score (graded)</th><td class="num">{html_text(format_score(median))}</td></tr>')
    h.append("</table>")

    h.append("<h2>Students</h2>")
    h.append('<table class="roster">')
    who = "<th>Name</th>" if names else ""
    h.append(f"<tr><th>Student</th>{who}<th>Score</th><th>Status</th><th>Feedback</th></tr>")
    for student, score, top, status in cs.roster:
        name = f"<td>{html_text(names.get(student, ''))}</td>" if names else ""
        stem = (filenames or {}).get(student)
        link = f'<a href="{html_text(_feedback_href(stem))}">feedback</a>' if stem is not None else ""
        h.append(f"<tr><td>{html_text(student)}</td>{name}<td class=\"num\">{html_text(format_score(score))} / "
                 f"{html_text(format_score(top))}</td><td>{html_text(status)}</td><td>{link}</td></tr>")
    h.append("</table>")
    if cs.total > len(cs.roster):
        h.append(f'<p class="muted">The first {len(cs.roster)} of {cs.total} students; gradebook.csv has '
                 f"every row.</p>")

    h.append(f"<h2>Score distribution ({cs.graded} graded submission{'s' if cs.graded != 1 else ''})</h2>")
    h.append(_histogram_svg(cs.bins))

    h.append("<h2>Parts</h2>")
    h.append("<table>")
    h.append("<tr><th>Part</th><th>Points</th><th>Correct</th><th>Incorrect</th><th>Invalid</th>"
             "<th>Missing</th><th>Success rate</th><th>Mean score</th></tr>")
    for s in stats:
        c = s["counts"]
        mean = "–" if s["mean"] is None else format_score(s["mean"])
        h.append(f"<tr><td><code>{html_text(s['problem'])}/{html_text(s['part'])}</code></td>"
                 f'<td class="num">{html_text(format_score(s["points"]))}</td>'
                 f'<td class="num">{c[CORRECT]}</td><td class="num">{c[INCORRECT]}</td>'
                 f'<td class="num">{c[INVALID]}</td><td class="num">{c[MISSING]}</td>'
                 f'<td class="num">{percent(s["rate"])}</td><td class="num">{html_text(mean)}</td></tr>')
    h.append("</table>")

    h.append("<h2>Most common wrong answers</h2>")
    any_wrong = False
    for s in stats:
        if not s["common"]:
            continue
        any_wrong = True
        grouped = s["problem"] in cs.by_diagnosis
        h.append(f"<h3><code>{html_text(s['problem'])}/{html_text(s['part'])}</code></h3>")
        if grouped:
            h.append('<p class="muted">Each student has their own values here, so wrong answers are '
                     "grouped by diagnosis, with one example each.</p>")
        h.append("<table>")
        first = "Diagnosis</th><th>Example" if grouped else "Answer"
        h.append(f"<tr><th>{first}</th><th>Read as</th><th>Count</th><th>Verdict</th><th>Feedback</th>"
                 "<th>Rule</th></tr>")
        for count, _key, shown, example in s["common"]:
            v = example
            fb = "<br>".join(html_text(f) for f in unsaid(v))     # a derivation's reasons are under its lines
            read = _interpreted_mathml(problems, s["problem"], shown) or (html_text(v.interpreted) if v.interpreted else "")
            lead = f"<td>{html_text(v.rule or 'no diagnosis')}</td>" if grouped else ""
            typed = steps_html(v.steps, as_typed=True) if v.steps else f"<code>{html_text(one_line(shown))}</code>"
            h.append(f"<tr>{lead}<td>{typed}</td><td>{read}</td>"
                     f"<td class=\"num\">{count}</td><td>{html_text(v.status)}</td><td>{fb}</td><td>{html_text(v.rule or '')}</td></tr>")
        h.append("</table>")
    if not any_wrong:
        h.append('<p class="muted">No wrong answers.</p>')
    h.extend(_matched(cs, classmates))

    for title_, column, rows in (("Submissions that could not be graded", "Reason", cs.errors),
                                 ("Notes", "Note", cs.notes)):
        if rows:
            h.append(f"<h2>{title_}</h2>")
            h.append("<table>")
            h.append(f"<tr><th>Student</th><th>{column}</th></tr>")
            for student, message in rows:
                h.append(f"<tr><td>{html_text(student)}</td><td>{html_text(message)}</td></tr>")
            h.append("</table>")
    h.append("</body>")
    h.append("</html>")
    return "\n".join(h) + "\n"

