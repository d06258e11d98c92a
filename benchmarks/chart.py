#!/usr/bin/env python3
"""Charts and summarises committed BenchmarkDotNet results; nothing here is typed in by hand.

Reads the GitHub-markdown reports (``*-report-github.md``) that BenchmarkDotNet writes and that
``benchmarks/run-full.sh`` copies to ``benchmarks/results/``, and writes, next to them:

* ``dispatch-throughput.svg`` - published events per second (every subscriber's handler ran) per bus,
  for 1, 4 and 16 subscribers, log scale, with the ratio to the raw channel baseline;
* ``priority-latency.svg``    - time for a High event to reach its handler behind a Low backlog;
* ``summary.md``              - the ratios the project states, computed from the same tables, each
  next to its target.

With ``--readme README.md`` it also rewrites the block between ``<!-- performance:begin -->`` and
``<!-- performance:end -->`` in the README with the chart and the computed ratios.

Standard library only: ``python3 benchmarks/chart.py [--results DIR] [--readme README.md]``.
"""

from __future__ import annotations

import argparse
import html
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

TIME_UNITS = {"ns": 1.0, "us": 1e3, "μs": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9}
SIZE_UNITS = {"B": 1.0, "KB": 1024.0, "MB": 1024.0**2, "GB": 1024.0**3}

BASELINE = "RawChannel"
EVENTBUS = "EventBus_Typed"
DEFAULT_PATH = "EventBus_Default"
ALLOCATING_BASELINE = "RawChannel_Allocating"
# Akka.NET's EventStream building a new envelope-sized message per publish: the peer under the default path's floor.
ALLOCATING_AKKA = "Akka_EventStream_Allocating"
# The dispatch suite's control run pinned to one core (--affinity 1), reported beside the suite run when present.
PINNED_DISPATCH_REPORT = "issue-15-dispatch-pinned-report-github.md"
DISPATCH_ORDER = [
    "RawChannel",
    "RawChannel_Allocating",
    "EventBus_Default",
    "EventBus_Typed",
    "EventBus_Wildcard",
    "EventBus_PublishPayload",
    "EventBus_DefaultPolicy",
    "Akka_EventStream",
    "Akka_EventStream_Allocating",
    "MassTransit_Mediator",
    "Wolverine_LocalQueues",
    "MassTransit_InMemory",
]
LABELS = {
    "RawChannel": "Channel<T> per subscriber (baseline)",
    "RawChannel_Allocating": "Channel<T> per subscriber, a new 112-byte stamped message per publish",
    "EventBus_Default": "EventBus default path: PublishAsync<T>(payload), default failure policy",
    "EventBus_Typed": "EventBus, Subscribe<T>, pre-built envelope",
    "EventBus_Wildcard": "EventBus, Subscribe(\"bench.#\"), pre-built envelope",
    "EventBus_Envelope": "EventBus, Subscribe<T>, pre-built envelope",
    "EventBus_PublishPayload": "EventBus, PublishAsync<T>(payload)",
    "EventBus_DefaultPolicy": "EventBus, Subscribe<T>, pre-built envelope, default failure policy",
    "Akka_EventStream": "Akka.NET EventStream",
    "Akka_EventStream_Allocating": "Akka.NET EventStream, a new 112-byte stamped message per publish",
    "MassTransit_Mediator": "MassTransit mediator",
    "Wolverine_LocalQueues": "Wolverine local queues",
    "MassTransit_InMemory": "MassTransit in-memory bus",
}


@dataclass
class Report:
    """One BenchmarkDotNet GitHub-markdown report: its environment block and table rows."""

    name: str
    environment: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)

    @property
    def job(self) -> str:
        for line in self.environment:
            match = re.match(r"\s*Job=(\S+)", line)
            if match:
                return match.group(1)
        return "Default"

    def find(self, method: str, **params: str) -> dict[str, str] | None:
        for row in self.rows:
            if row.get("Method") == method and all(row.get(k) == v for k, v in params.items()):
                return row
        return None


def parse_report(path: Path) -> Report:
    text = path.read_text(encoding="utf-8")
    environment: list[str] = []
    blocks = text.split("```")
    if len(blocks) >= 3:
        environment = [line for line in blocks[1].splitlines() if line.strip()]
    report = Report(path.name.replace("-report-github.md", ""), environment)
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip().replace("**", "") for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if all(set(cell) <= set("-: ") for cell in cells):
            continue  # the alignment row or a blank separator row
        report.rows.append(dict(zip(header, cells)))
    return report


def parse_time(value: str | None) -> float | None:
    """A BenchmarkDotNet time cell ("1,234.5 ns", "12.3 μs") in nanoseconds."""
    if not value:
        return None
    match = re.match(r"([\d,.]+)\s*(ns|us|μs|µs|ms|s)$", value.strip())
    if not match:
        return None
    return float(match.group(1).replace(",", "")) * TIME_UNITS[match.group(2)]


def parse_size(value: str | None) -> float | None:
    """An allocation cell ("-", "16 B", "1.2 KB") in bytes."""
    if value is None:
        return None
    value = value.strip()
    if value in ("-", "0"):
        return 0.0
    match = re.match(r"([\d,.]+)\s*(B|KB|MB|GB)$", value)
    return float(match.group(1).replace(",", "")) * SIZE_UNITS[match.group(2)] if match else None


def relative(theirs: float, ours: float) -> str:
    """How the default path compares with another row, from the two medians: "1.23× faster" or "1.23× slower"."""
    factor = theirs / ours
    return f"{factor:,.2f}× faster" if factor >= 1 else f"{1 / factor:,.2f}× slower"


def format_time(ns: float) -> str:
    if ns < 1e3:
        return f"{ns:,.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:,.2f} μs"
    if ns < 1e9:
        return f"{ns / 1e6:,.2f} ms"
    return f"{ns / 1e9:,.2f} s"


def format_rate(per_second: float) -> str:
    if per_second >= 1e6:
        return f"{per_second / 1e6:,.2f} M/s"
    return f"{per_second / 1e3:,.1f} k/s"


def format_bytes(size: float | None) -> str:
    if size is None:
        return "?"
    return "0 B" if size == 0 else f"{size:,.0f} B"


def md(text: str) -> str:
    """Text for a markdown table cell: generic brackets such as Subscribe<T> escaped so they are not read as HTML."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def mean(row: dict[str, str] | None) -> float | None:
    return parse_time(row.get("Mean")) if row else None


def median(row: dict[str, str] | None) -> float | None:
    """The median time: what a typical iteration took (a bimodal run drags its mean towards the slow mode)."""
    return parse_time(row.get("Median")) if row else None


# ----------------------------------------------------------------------------------------------- SVG


def svg_bar_panels(title: str, subtitle: str, panels: list[tuple[str, list[tuple[str, float, str, str]]]],
                   axis_label: str, log_scale: bool) -> str:
    """Horizontal bar panels. Each bar: (label, value, text after the bar, css class)."""
    width, label_width, right_pad, bar_height, gap = 980, 330, 190, 18, 6
    plot_width = width - label_width - right_pad
    values = [v for _, bars in panels for _, v, _, _ in bars if v > 0]
    if not values:
        raise SystemExit("no values to chart")
    if log_scale:
        low = 10 ** math.floor(math.log10(min(values)))
        high = 10 ** math.ceil(math.log10(max(values)))

        def scale(v: float) -> float:
            return plot_width * (math.log10(v) - math.log10(low)) / (math.log10(high) - math.log10(low))

        ticks = [10 ** e for e in range(int(math.log10(low)), int(math.log10(high)) + 1)]
    else:
        low, high = 0.0, max(values) * 1.1

        def scale(v: float) -> float:
            return plot_width * v / high

        magnitude = 10 ** math.floor(math.log10(high / 5))
        step = next(m * magnitude for m in (1, 2, 5, 10) if high / (m * magnitude) <= 6)
        ticks = [step * i for i in range(int(high / step) + 1)]

    y = 70
    parts: list[str] = []
    for panel_title, bars in panels:
        parts.append(f'<text x="10" y="{y + 14}" class="panel">{html.escape(panel_title)}</text>')
        y += 24
        top = y
        for label, value, note, css in bars:
            length = max(1.0, scale(value)) if value > 0 else 0
            parts.append(f'<text x="{label_width - 8}" y="{y + 13}" class="label" text-anchor="end">{html.escape(label)}</text>')
            parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" class="{css}"/>')
            parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + 13}" class="note">{html.escape(note)}</text>')
            y += bar_height + gap
        for tick in ticks:
            x = label_width + scale(tick)
            parts.append(f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{y - gap + 2}" class="grid"/>')
        y += 14
    for tick in ticks:
        x = label_width + scale(tick)
        parts.append(f'<text x="{x:.1f}" y="{y + 4}" class="tick" text-anchor="middle">{html.escape(format_rate(tick) if log_scale else format_time(tick))}</text>')
    parts.append(f'<text x="{label_width + plot_width / 2:.1f}" y="{y + 24}" class="axis" text-anchor="middle">{html.escape(axis_label)}</text>')
    height = y + 40
    style = """
  .title { font: bold 16px sans-serif; fill: #222; }
  .subtitle { font: 12px sans-serif; fill: #555; }
  .panel { font: bold 13px sans-serif; fill: #222; }
  .label, .note, .tick, .axis { font: 12px sans-serif; fill: #333; }
  .grid { stroke: #ddd; stroke-width: 1; }
  .baseline { fill: #9e9e9e; }
  .eventbus { fill: #1f6fd1; }
  .peer { fill: #e8833a; }
"""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">\n'
        f"<style>{style}</style>\n"
        f'<rect width="100%" height="100%" fill="white"/>\n'
        f'<text x="10" y="24" class="title">{html.escape(title)}</text>\n'
        f'<text x="10" y="44" class="subtitle">{html.escape(subtitle)}</text>\n'
        + "\n".join(parts)
        + "\n</svg>\n"
    )


def css_for(method: str) -> str:
    if method == BASELINE or method.startswith("RawChannel"):
        return "baseline"
    return "eventbus" if method.startswith("EventBus") else "peer"


# ----------------------------------------------------------------------------------------- summaries


def short_machine(report: Report) -> str:
    """CPU and runtime version only, for chart subtitles."""
    lines = [line.strip() for line in report.environment]
    cpu = next((line for line in lines if "CPU" in line and "cores" in line), "")
    runtime = next((line for line in lines if line.startswith("[Host]")), "")
    match = re.search(r"\.NET \d+(\.\d+)*", runtime)
    return f"{cpu}; {match.group(0) if match else runtime}".strip("; ")


def machine_line(report: Report) -> str:
    lines = [line.strip() for line in report.environment]
    cpu = next((line for line in lines if "CPU" in line and "cores" in line), "")
    runtime = next((line for line in lines if line.startswith("[Host]")), "")
    return f"{cpu}; {runtime.replace('[Host]', '').strip(' :')}".strip("; ")


def dispatch_section(report: Report, out: list[str], claims: list, pinned: Report | None = None) -> list[tuple[str, list[tuple[str, float, str, str]]]]:
    panels = []
    pivot: dict[str, tuple[str, dict[str, str]]] = {}
    subscriber_counts = sorted({int(r["Subscribers"]) for r in report.rows if r.get("Subscribers", "").isdigit()})
    out.append("## Dispatch throughput\n")
    out.append("Time per published event until every subscriber's handler has run for it (delivered, not just enqueued); "
               "medians of the iterations, and ratios of medians.\n")
    for subscribers in subscriber_counts:
        key = str(subscribers)
        base = median(report.find(BASELINE, Subscribers=key))
        ours = median(report.find(EVENTBUS, Subscribers=key))
        default = median(report.find(DEFAULT_PATH, Subscribers=key))
        out.append(f"\n### {subscribers} subscriber{'s' if subscribers > 1 else ''}\n")
        out.append("| Bus | Median per event | Min – max | Events/s | Throughput vs raw channel | EventBus default path faster by | Allocated per event |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        bars = []
        for method in DISPATCH_ORDER:
            row = report.find(method, Subscribers=key)
            value = median(row)
            if value is None:
                continue
            throughput_ratio = base / value if base else float("nan")
            faster = value / default if default else float("nan")
            out.append(
                f"| {md(LABELS.get(method, method))} | {format_time(value)} | {row.get('Min', '?')} – {row.get('Max', '?')} | "
                f"{format_rate(1e9 / value)} | {throughput_ratio:.2f}× | "
                f"{'—' if method.startswith('EventBus') or method.startswith(BASELINE) else f'{faster:,.2f}×'} | "
                f"{format_bytes(parse_size(row.get('Allocated')))} |"
            )
            bars.append((LABELS.get(method, method), 1e9 / value,
                         f"{format_rate(1e9 / value)}  ({throughput_ratio:.2f}× raw)", css_for(method)))
        panels.append((f"{subscribers} subscriber{'s' if subscribers > 1 else ''}", bars))
        row_key = str(subscribers)
        if base and default:
            mark = (" ✅" if base / default >= 0.3 else " ❌") if subscribers == 1 else ""
            pivot.setdefault("Default path (PublishAsync<T>(payload), default failure policy): throughput vs raw channel",
                             ("≥ 0.3× with 1", {}))[1][row_key] = f"{base / default:.2f}×{mark}"
            akka = median(report.find("Akka_EventStream", Subscribers=key))
            if akka:
                pivot.setdefault("Default path vs Akka.NET EventStream", ("≥ 1× (as fast or faster)", {}))[1][row_key] = (
                    f"{relative(akka, default)} {'✅' if akka >= default else '❌'}")
            akka_allocating = median(report.find(ALLOCATING_AKKA, Subscribers=key))
            if akka_allocating:
                pivot.setdefault("Default path vs Akka.NET EventStream publishing a new 112-byte stamped message per event (the same floor)",
                                 ("reported", {}))[1][row_key] = relative(akka_allocating, default)
            floor = median(report.find(ALLOCATING_BASELINE, Subscribers=key))
            if floor:
                pivot.setdefault("Default path vs the raw channel allocating and stamping a 112-byte message per publish (the allocation floor)",
                                 ("reported", {}))[1][row_key] = f"{floor / default:.2f}×"
            default_row = report.find(DEFAULT_PATH, Subscribers=key)
            one_row = report.find(DEFAULT_PATH, Subscribers=str(subscriber_counts[0]))
            allocated = parse_size(default_row.get("Allocated"))
            envelope = parse_size(one_row.get("Allocated")) if one_row else None
            ok = allocated is not None and envelope is not None and allocated <= envelope and allocated <= 160
            pivot.setdefault("Default path: allocated per published event", ("the envelope only, 0 B per delivery", {}))[1][row_key] = (
                f"{format_bytes(allocated)} {'✅' if ok else '❌'}")
        if base and ours:
            mark = (" ✅" if base / ours >= 0.6 else " ❌") if subscribers == 1 else ""
            pivot.setdefault("No failure policy, pre-built envelope (Subscribe<T>): throughput vs raw channel", ("≥ 0.6× with 1", {}))[1][row_key] = f"{base / ours:.2f}×{mark}"
            for peer in ("Wolverine_LocalQueues", "MassTransit_Mediator", "MassTransit_InMemory"):
                theirs = median(report.find(peer, Subscribers=key))
                if theirs and default:
                    factor = theirs / default
                    text = f"{factor:,.1f}× faster" if factor >= 1 else f"{1 / factor:,.1f}× slower"
                    pivot.setdefault(f"Default path vs {LABELS[peer]}", ("reported", {}))[1][row_key] = text
            allocated = parse_size(report.find(EVENTBUS, Subscribers=key).get("Allocated"))
            ok = allocated is not None and allocated < subscribers
            pivot.setdefault("No failure policy, pre-built envelope: allocated per published event", ("nothing per delivery", {}))[1][row_key] = f"{format_bytes(allocated)} {'✅' if ok else '❌'}"
            policy_row = report.find("EventBus_DefaultPolicy", Subscribers=key)
            policy = median(policy_row)
            if policy:
                pivot.setdefault("Default failure policy, pre-built envelope: cost over no policy, per event", ("reported", {}))[1][row_key] = (
                    f"+{format_time(max(policy - ours, 0))}, {format_bytes(parse_size(policy_row.get('Allocated')))} ({base / policy:.2f}× raw)")
    if pinned:
        # The control run with the whole process on one core: every launch time-sliced, so each row is CPU work per
        # event, whatever placement the suite run's launches settled in.
        for subscribers in subscriber_counts:
            key = str(subscribers)
            base, default = median(pinned.find(BASELINE, Subscribers=key)), median(pinned.find(DEFAULT_PATH, Subscribers=key))
            ours, akka = median(pinned.find(EVENTBUS, Subscribers=key)), median(pinned.find("Akka_EventStream", Subscribers=key))
            if base and default:
                mark = (" ✅" if base / default >= 0.3 else " ❌") if subscribers == 1 else ""
                pivot.setdefault("One core (placement control): default path vs raw channel", ("≥ 0.3× with 1", {}))[1][key] = f"{base / default:.2f}×{mark}"
            if akka and default:
                pivot.setdefault("One core (placement control): default path vs Akka.NET EventStream", ("≥ 1× (as fast or faster)", {}))[1][key] = (
                    f"{relative(akka, default)} {'✅' if akka >= default else '❌'}")
            akka_allocating = median(pinned.find(ALLOCATING_AKKA, Subscribers=key))
            if akka_allocating and default:
                pivot.setdefault("One core (placement control): default path vs Akka.NET EventStream publishing a new 112-byte stamped message per event",
                                 ("reported", {}))[1][key] = relative(akka_allocating, default)
            if base and ours:
                mark = (" ✅" if base / ours >= 0.6 else " ❌") if subscribers == 1 else ""
                pivot.setdefault("One core (placement control): no failure policy, pre-built envelope vs raw channel", ("≥ 0.6× with 1", {}))[1][key] = f"{base / ours:.2f}×{mark}"
    if pivot:
        counts = [str(c) for c in subscriber_counts]
        claims.append(("| Dispatch (ratios of medians) | " + " | ".join(f"{c} subscriber{'s' if c != '1' else ''}" for c in counts) + " | Target |",
                       "|---|" + "---:|" * len(counts) + "---|"))
        for metric, (target, cells) in pivot.items():
            claims.append((f"| {md(metric)} | " + " | ".join(cells.get(c, "—") for c in counts) + f" | {target} |",))
    return panels


def full_queue_section(report: Report, out: list[str], claims: list) -> None:
    never, full = report.find("NeverFull"), report.find("FullQueue")
    out.append("\n## Full queue (backpressure)\n")
    out.append("One publisher outrunning one subscriber (default failure policy, pre-built envelopes), 1,000,000 events per "
               "invocation: capacity 1,000 (full most of the time) against capacity 1,000,000 (never full). System calls: "
               "[full-queue-strace.md](full-queue-strace.md).\n")
    out.append("| Queue | Median per event | Min – max | Allocated per event |")
    out.append("|---|---:|---:|---:|")
    for label, row in (("never full (capacity 1,000,000)", never), ("full (capacity 1,000)", full)):
        if row:
            out.append(f"| {label} | {row.get('Median', '?')} | {row.get('Min', '?')} – {row.get('Max', '?')} | {format_bytes(parse_size(row.get('Allocated')))} |")
    if never and full and median(never) and median(full):
        ratio = median(never) / median(full)
        allocated = parse_size(full.get("Allocated"))
        ok = ratio >= 0.8 and allocated == 0
        claims.append(f"| Full queue | Throughput with capacity 1,000 vs never full (1,000,000 events), allocated per event | "
                      f"{ratio:.2f}×, {format_bytes(allocated)} | ≥ 0.8×, 0 B {'✅' if ok else '❌'} |")


def steady_rate_section(report: Report, out: list[str], claims: list) -> None:
    out.append("\n## Latency at 200,000 events/s\n")
    out.append("One event every 5 µs; per delivery, the time from when its event was due to the first statement of its handler "
               "(a publisher held back shows up instead of hiding). EventBus on its default path.\n")
    out.append("| Bus | Subscribers | P50 | P99 | P99.9 |")
    out.append("|---|---:|---:|---:|---:|")
    for row in report.rows:
        out.append(f"| {md(LABELS.get(row['Method'], row['Method']))} | {row.get('Subscribers', '?')} | {row.get('P50 latency', '?')} | "
                   f"{row.get('P99 latency', '?')} | {row.get('P99.9 latency', '?')} |")
    for subscribers in sorted({r.get("Subscribers", "") for r in report.rows}):
        raw = report.find("RawChannel", Subscribers=subscribers)
        ours = report.find(DEFAULT_PATH, Subscribers=subscribers)
        if not raw or not ours:
            continue
        raw_p99, our_p99 = parse_time(raw.get("P99 latency")), parse_time(ours.get("P99 latency"))
        if raw_p99 and our_p99:
            ratio = our_p99 / raw_p99
            claims.append(f"| Latency | p99 at 200,000 events/s, {subscribers} subscriber{'s' if subscribers != '1' else ''}: "
                          f"default path vs raw channel | {ratio:.2f}× ({ours.get('P99 latency')} vs {raw.get('P99 latency')}) | "
                          f"≤ 2× {'✅' if ratio <= 2 else '❌'} |")


def latency_section(report: Report, out: list[str], claims: list) -> None:
    out.append("\n## Publish latency (light load)\n")
    out.append("One event in flight, one idle subscriber: publish → handler start, per event, measured inside the benchmark process.\n")
    out.append("| Bus | P50 | P99 | Round trip (mean) |")
    out.append("|---|---:|---:|---:|")
    for row in report.rows:
        out.append(f"| {md(LABELS.get(row['Method'], row['Method']))} | {row.get('P50 latency', '?')} | {row.get('P99 latency', '?')} | {row.get('Mean', '?')} |")
    for method in ("EventBus_Envelope",):
        row = report.find(method)
        if row:
            claims.append(f"| Latency | EventBus publish → handler start, p50 / p99 | {row.get('P50 latency')} / {row.get('P99 latency')} | — |")


# The Priority suite's rows, in table and chart order: the FIFO baseline, EventBus as subscribed by default (with the
# failure policy) and EventBus with the policy turned off (the lanes' own share).
PRIORITY_QUEUES = (
    ("RawChannel_Fifo", "one FIFO Channel<T> (baseline)"),
    ("EventBus_PriorityLanes", "EventBus priority lanes (default failure policy)"),
    ("EventBus_PriorityLanes_NoFailurePolicy", "EventBus priority lanes (failure policy off)"),
)


def priority_section(report: Report, out: list[str], claims: list) -> list[tuple[str, list[tuple[str, float, str, str]]]]:
    out.append("\n## Priority: a High event behind a Low backlog\n")
    out.append("| Queue | Backlog | Median | Mean |")
    out.append("|---|---:|---:|---:|")
    backlogs = sorted({int(r["Backlog"]) for r in report.rows if r.get("Backlog", "").isdigit()})
    panels = []
    for backlog in backlogs:
        bars = []
        for method, label in PRIORITY_QUEUES:
            row = report.find(method, Backlog=str(backlog))
            if row is None:
                continue
            median = parse_time(row.get("Median")) or mean(row)
            out.append(f"| {md(label)} | {backlog:,} | {row.get('Median', '?')} | {row.get('Mean', '?')} |")
            bars.append((label, median, format_time(median), css_for(method)))
        panels.append((f"backlog of {backlog:,} Low events", bars))
    if len(backlogs) >= 2:
        small, large = str(backlogs[0]), str(backlogs[-1])
        for method, label in (("EventBus_PriorityLanes", "EventBus"),
                              ("EventBus_PriorityLanes_NoFailurePolicy", "EventBus without failure policy"),
                              ("RawChannel_Fifo", "FIFO channel")):
            a = report.find(method, Backlog=small)
            b = report.find(method, Backlog=large)
            if a and b:
                ta = parse_time(a.get("Median")) or mean(a)
                tb = parse_time(b.get("Median")) or mean(b)
                lanes = method.startswith("EventBus")
                target = "unrelated to backlog (≈ 1×)" if lanes else "—"
                ok = (" ✅" if tb / ta <= 1.5 else " ❌") if lanes else ""
                claims.append(f"| Priority | {label}: High latency, backlog {int(large):,} vs {int(small):,} | {tb / ta:.2f}× "
                              f"({format_time(ta)} → {format_time(tb)}) | {target}{ok} |")
    return panels


def wildcard_section(report: Report, out: list[str], claims: list) -> None:
    out.append("\n## Wildcard scaling\n")
    out.append("Publish to delivery with one matching subscription while N non-matching pattern subscriptions exist.\n")
    out.append("| Non-matching patterns | Mean per event | Allocated |")
    out.append("|---:|---:|---:|")
    rows = sorted((r for r in report.rows if r.get("NonMatchingPatterns", "").isdigit()), key=lambda r: int(r["NonMatchingPatterns"]))
    for row in rows:
        out.append(f"| {int(row['NonMatchingPatterns']):,} | {row.get('Mean')} | {row.get('Allocated')} |")
    if len(rows) >= 2:
        ratio = mean(rows[-1]) / mean(rows[0])
        claims.append(f"| Wildcards | {int(rows[-1]['NonMatchingPatterns']):,} vs {int(rows[0]['NonMatchingPatterns']):,} non-matching patterns | "
                      f"{ratio:.2f}× | ≤ 1.5× {'✅' if ratio <= 1.5 else '❌'} |")


def scoped_section(report: Report, out: list[str], claims: list) -> None:
    out.append("\n## DI-scoped handlers\n")
    out.append("| Handler | Mean per event | Allocated per event |")
    out.append("|---|---:|---:|")
    for row in report.rows:
        out.append(f"| {row['Method']} | {row.get('Mean')} | {row.get('Allocated')} |")
    plain, scoped = report.find("DelegateHandler"), report.find("ScopedDiHandler")
    if plain and scoped:
        claims.append(f"| DI handler | Scope + resolve per event, over a delegate | {format_time(mean(scoped) - mean(plain))} and "
                      f"{format_bytes((parse_size(scoped.get('Allocated')) or 0) - (parse_size(plain.get('Allocated')) or 0))} more | reported, no target |")


STORE_LABELS = {
    "InMemory": "in-memory store (baseline)",
    "SqliteFull": "SQLite store, synchronous=FULL",
    "SqliteNormal": "SQLite store, synchronous=NORMAL",
    "RawSql_Full": "raw SQL reference, WAL + FULL",
}


def int_param(row: dict[str, str], name: str) -> int | None:
    value = row.get(name, "").replace(",", "")
    return int(value) if value.isdigit() else None


def append_section(report: Report, out: list[str], claims: list) -> None:
    out.append("\n## Event store: append throughput\n")
    out.append("100 events appended to one stream per operation, in batches of the given size with the exact expected "
               "version; time and allocation per event.\n")
    out.append("| Batch | Store | Mean per event | Events/s | vs in-memory | vs raw SQL | Allocated per event |")
    out.append("|---:|---|---:|---:|---:|---:|---:|")
    batches = sorted({b for r in report.rows if (b := int_param(r, "BatchSize")) is not None})
    versus_raw = {}
    for batch in batches:
        key = str(batch)
        base = mean(report.find("InMemory", BatchSize=key))
        raw = mean(report.find("RawSql_Full", BatchSize=key))
        for method in STORE_LABELS:
            row = report.find(method, BatchSize=key)
            value = mean(row)
            if value is None:
                continue
            out.append(f"| {batch} | {md(STORE_LABELS[method])} | {format_time(value)} | {format_rate(1e9 / value)} | "
                       f"{f'{value / base:,.1f}×' if base else '?'} | {f'{value / raw:.2f}×' if raw else '?'} | "
                       f"{format_bytes(parse_size(row.get('Allocated')))} |")
        full = mean(report.find("SqliteFull", BatchSize=key))
        if full and raw:
            versus_raw[batch] = full / raw
    if versus_raw:
        measured = " / ".join(f"{ratio:.2f}×" for ratio in versus_raw.values())
        ok = all(ratio <= 1.3 for ratio in versus_raw.values())
        claims.append(f"| Event store | SQLite FULL append time per event vs raw SQL, batch {' / '.join(str(b) for b in versus_raw)} | "
                      f"{measured} | ≤ 1.3× {'✅' if ok else '❌'} |")


def concurrent_append_section(report: Report, out: list[str], claims: list) -> None:
    out.append("\n## Event store: concurrent appenders (SQLite, synchronous=FULL, batch 1)\n")
    out.append("| Concurrent appenders | Mean per event | Events/s | vs 1 appender | Allocated per event |")
    out.append("|---:|---:|---:|---:|---:|")
    rows = sorted((r for r in report.rows if int_param(r, "Appenders") is not None), key=lambda r: int_param(r, "Appenders"))
    single = mean(rows[0]) if rows else None
    for row in rows:
        value = mean(row)
        if value is None:
            continue
        out.append(f"| {int_param(row, 'Appenders')} | {format_time(value)} | {format_rate(1e9 / value)} | "
                   f"{f'{single / value:.2f}× throughput' if single else '?'} | {format_bytes(parse_size(row.get('Allocated')))} |")
    if len(rows) >= 2 and mean(rows[0]) and mean(rows[-1]):
        claims.append(f"| Event store | Group commit: throughput with {int_param(rows[-1], 'Appenders')} vs 1 concurrent appender (SQLite FULL) | "
                      f"{mean(rows[0]) / mean(rows[-1]):.2f}× ({format_rate(1e9 / mean(rows[0]))} → {format_rate(1e9 / mean(rows[-1]))}) | reported |")


def read_section(report: Report, out: list[str], claims: list) -> None:
    out.append("\n## Event store: reads\n")
    out.append("10,000 stored events read per operation (one stream forwards; the global log from position 0); time per event.\n")
    out.append("| Read | Store | Mean per event | Events/s | vs in-memory | Allocated per event |")
    out.append("|---|---|---:|---:|---:|---:|")
    for read, label in (("ReadStream", "stream"), ("ReadAll", "global log ($all)")):
        base = mean(report.find(f"InMemory_{read}"))
        for store, store_label in (("InMemory", "in-memory (baseline)"), ("Sqlite", "SQLite")):
            row = report.find(f"{store}_{read}")
            value = mean(row)
            if value is None:
                continue
            out.append(f"| {label} | {store_label} | {format_time(value)} | {format_rate(1e9 / value)} | "
                       f"{f'{value / base:,.1f}×' if base else '?'} | {format_bytes(parse_size(row.get('Allocated')))} |")
    raw, typed = mean(report.find("RawSql_TypedReadAll")), mean(report.find("Sqlite_TypedReadAll"))
    if raw and typed:
        out.append(f"\nTyped reads of the global log (`IEventStreams.ReadAllAsync`, deserialized envelopes) on SQLite: "
                   f"{format_time(typed)} per event against {format_time(raw)} for a raw `SELECT` + System.Text.Json reader "
                   f"of the same file ({raw / typed:.2f}× its throughput).\n")
        claims.append(f"| Event store | Typed `ReadAllAsync` throughput vs raw SELECT + System.Text.Json (SQLite) | "
                      f"{raw / typed:.2f}× | ≥ 0.5× {'✅' if raw / typed >= 0.5 else '❌'} |")


def aggregate_section(report: Report, out: list[str], claims: list) -> None:
    out.append("\n## Event store: aggregate load\n")
    out.append("`IAggregateRepository<T>.LoadAsync`: without snapshots the whole stream is replayed; with snapshots "
               "the snapshot is 50 events behind the head (snapshot + 50-event tail).\n")
    out.append("| Store, stream length | Without snapshots | With snapshots | Allocated without / with |")
    out.append("|---|---:|---:|---:|")
    cases = list(dict.fromkeys(r["Case"] for r in report.rows if r.get("Case")))
    for case in cases:
        plain, snap = report.find("NoSnapshots", Case=case), report.find("WithSnapshots", Case=case)
        out.append(f"| {case} | {format_time(mean(plain)) if mean(plain) else '?'} | {format_time(mean(snap)) if mean(snap) else '?'} | "
                   f"{format_bytes(parse_size(plain.get('Allocated')) if plain else None)} / "
                   f"{format_bytes(parse_size(snap.get('Allocated')) if snap else None)} |")
    measured = []
    ok = True
    for store in sorted({c.split(",")[0] for c in cases}):
        by_length = sorted(((int(re.sub(r"\D", "", c.split(",", 1)[1])), c) for c in cases if c.startswith(store + ",")))
        if len(by_length) < 2:
            continue
        (short_len, short_case), (long_len, long_case) = by_length[0], by_length[-1]
        short_time = mean(report.find("WithSnapshots", Case=short_case))
        long_time = mean(report.find("WithSnapshots", Case=long_case))
        if short_time and long_time:
            ratio = long_time / short_time
            ok = ok and ratio <= 1.5
            measured.append(f"{store} {ratio:.2f}× ({format_time(short_time)} → {format_time(long_time)})")
    if measured:
        claims.append(f"| Event store | Aggregate load with snapshots, {long_len:,}-event vs {short_len:,}-event stream | "
                      f"{'; '.join(measured)} | close to a short stream (≤ 1.5×) {'✅' if ok else '❌'} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = Path(__file__).resolve().parent
    parser.add_argument("--results", type=Path, default=here / "results", help="folder with *-report-github.md files")
    parser.add_argument("--readme", type=Path, help="README to update between the performance markers")
    args = parser.parse_args()

    reports = {p.name: parse_report(p) for p in sorted(args.results.glob("*-report-github.md"))}
    if not reports:
        print(f"no *-report-github.md in {args.results}; run benchmarks/run-full.sh first", file=sys.stderr)
        return 1

    def pick(suffix: str) -> Report | None:
        return next((r for name, r in reports.items() if name.endswith(f"{suffix}-report-github.md")), None)

    dispatch = pick("DispatchBenchmark")
    any_report = dispatch or next(iter(reports.values()))
    jobs = sorted({r.job for r in reports.values()})
    short = any(job != "Default" for job in jobs)
    run_info = args.results / "run-info.md"
    provenance = run_info.read_text(encoding="utf-8").strip() if run_info.exists() else ""
    label = f"job: {', '.join(jobs)}" + (" — a quick look, not the full run" if short else "")
    job_label = f"{', '.join(jobs)} job" + (" (quick look)" if short else "")

    header = ["# Benchmark summary", "",
              "Generated by `benchmarks/chart.py` from the BenchmarkDotNet reports in this folder; do not edit by hand.", "",
              f"- Machine: {machine_line(any_report)}",
              f"- {label}"]
    if provenance:
        header += ["", provenance]
    out: list[str] = [""]
    claims: list = []

    readme_chart = []
    if dispatch:
        panels = dispatch_section(dispatch, out, claims, reports.get(PINNED_DISPATCH_REPORT))
        svg = svg_bar_panels(
            "Dispatch throughput: published events per second, every subscriber's handler ran",
            f"{short_machine(dispatch)} · {job_label} · log scale · benchmarks/chart.py",
            panels, "published events per second (higher is better)", log_scale=True)
        (args.results / "dispatch-throughput.svg").write_text(svg, encoding="utf-8")
        readme_chart.append("dispatch-throughput.svg")
    full_queue = pick("FullQueueBenchmark")
    if full_queue:
        full_queue_section(full_queue, out, claims)
    steady = pick("SteadyRateLatencyBenchmark")
    if steady:
        steady_rate_section(steady, out, claims)
    latency = pick("PublishLatencyBenchmark")
    if latency:
        latency_section(latency, out, claims)
    priority = pick("PriorityBenchmark")
    if priority:
        panels = priority_section(priority, out, claims)
        svg = svg_bar_panels(
            "Priority: time for a High event to reach its handler behind a Low backlog (median)",
            f"{short_machine(priority)} · {job_label} · benchmarks/chart.py",
            panels, "time to handler start (lower is better)", log_scale=False)
        (args.results / "priority-latency.svg").write_text(svg, encoding="utf-8")
        readme_chart.append("priority-latency.svg")
    wildcard = pick("WildcardScalingBenchmark")
    if wildcard:
        wildcard_section(wildcard, out, claims)
    scoped = pick("ScopedHandlerBenchmark")
    if scoped:
        scoped_section(scoped, out, claims)
    for suffix, section in (("EventStore.AppendBenchmark", append_section),
                            ("ConcurrentAppendBenchmark", concurrent_append_section),
                            ("EventStore.ReadBenchmark", read_section),
                            ("AggregateLoadBenchmark", aggregate_section)):
        report = pick(suffix)
        if report:
            section(report, out, claims)

    # Dispatch rows arrive as table lines (tuples); the other suites as rows of one four-column table.
    claim_table = [line for item in claims if isinstance(item, tuple) for line in item]
    others = [item for item in claims if isinstance(item, str)]
    if others:
        claim_table += ["", "| Suite | Ratio | Measured | Target |", "|---|---|---|---|", *others]
    summary = "\n".join(header + ["", "## Targets", "", *claim_table] + out) + "\n"
    (args.results / "summary.md").write_text(summary, encoding="utf-8")
    print(f"wrote {args.results / 'summary.md'} and {', '.join(readme_chart)}")

    if args.readme:
        text = args.readme.read_text(encoding="utf-8")
        begin, end = "<!-- performance:begin -->", "<!-- performance:end -->"
        if begin not in text or end not in text:
            print(f"{args.readme} has no {begin} … {end} block", file=sys.stderr)
            return 1
        relative = os.path.relpath(args.results, args.readme.resolve().parent).replace(os.sep, "/")
        block = [begin,
                 "<!-- Generated by benchmarks/chart.py from benchmarks/results; do not edit by hand. -->", "",
                 f"Measured on {machine_line(any_report)} ({label}).", ""]
        block += [f"![{name}]({relative}/{name})" for name in readme_chart]
        block += ["", *claim_table, "", f"Details per suite: [{relative}/summary.md]({relative}/summary.md).", end]
        start, stop = text.index(begin), text.index(end) + len(end)
        args.readme.write_text(text[:start] + "\n".join(block) + text[stop:], encoding="utf-8")
        print(f"updated {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
