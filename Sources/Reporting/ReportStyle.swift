/// The inline style sheet shared by lesson reports and the index.
enum ReportStyle {
    static let css = """
        :root {
          --bg: #f8f7f4; --card: #ffffff; --fg: #1e2430; --muted: #5d6675; --faint: #9aa1ab; --line: #e4e1da;
          --accent: #2c6e63; --code-bg: #f4f2ed; --mark-bg: #fdeceb;
          --ok: #1d7348; --ok-bg: #e5f3ea; --bad: #b3261e; --bad-bg: #fdeceb; --skip: #8a6410; --skip-bg: #fbf1d6;
          --shown: #4b5565; --shown-bg: #edf0f4; --expected: #6b4fa0; --expected-bg: #f1ecfa;
          --sans: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Sarabun", "Noto Sans Thai", "Loma", sans-serif;
          --thai: "Sarabun", "Noto Sans Thai", "Loma", "Noto Sans", system-ui, sans-serif;
          --mono: "JetBrains Mono", "SFMono-Regular", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, "Loma", monospace;
        }
        * { box-sizing: border-box; }
        html { background: var(--bg); color: var(--fg); font: 17px/1.65 var(--sans); -webkit-text-size-adjust: 100%; }
        [lang|="th"] { font-family: var(--thai); }
        html[lang|="th"] { line-height: 1.8; }
        body { margin: 0; }
        a { color: var(--accent); text-decoration-thickness: 1px; text-underline-offset: 2px; }
        code, pre { font-family: var(--mono); }
        .masthead { background: var(--card); border-bottom: 1px solid var(--line); }
        .masthead-inner { max-width: 1120px; margin: 0 auto; padding: 28px 24px 22px; }
        .eyebrow { margin: 0 0 6px; color: var(--muted); font-size: 14px; }
        .eyebrow a { color: inherit; font-weight: 600; text-decoration: none; }
        .eyebrow .path { font-family: var(--mono); font-size: 13px; }
        .masthead h1 { margin: 0 0 12px; font-size: 2.1rem; line-height: 1.3; letter-spacing: -0.01em; }
        .masthead h1 .alt { color: var(--muted); font-weight: 400; margin-left: 0.4em; }
        .meta { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0 0 14px; font-size: 14px; }
        .meta div { display: flex; gap: 8px; }
        .meta dt { color: var(--muted); }
        .meta dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
        .summary { display: flex; flex-wrap: wrap; gap: 8px; margin: 0; padding: 0; list-style: none; }
        .pill { display: inline-flex; gap: 6px; align-items: baseline; padding: 2px 12px; border-radius: 999px;
          font-size: 14px; background: var(--shown-bg); color: var(--shown); }
        .pill.passed { background: var(--ok-bg); color: var(--ok); }
        .pill.failed { background: var(--bad-bg); color: var(--bad); }
        .pill.skipped { background: var(--skip-bg); color: var(--skip); }
        .pill.notdone { background: #e3f0ed; color: var(--accent); }
        .summary.small { margin-top: 6px; gap: 6px; }
        .summary.small .pill { font-size: 13px; padding: 0 10px; }
        .attention { margin: 12px 0 0; font-size: 14px; color: var(--bad); }
        .attention a { color: var(--bad); font-family: var(--mono); margin-right: 8px; }
        .page { display: grid; grid-template-columns: 230px minmax(0, 1fr); gap: 48px; max-width: 1120px;
          margin: 0 auto; padding: 32px 24px 48px; }
        .toc { position: sticky; top: 20px; align-self: start; max-height: calc(100vh - 40px); overflow: auto;
          font-size: 14px; line-height: 1.5; }
        .toc h2 { margin: 0 0 10px; font-size: 12px; text-transform: uppercase; letter-spacing: 0.08em; color: var(--muted); }
        html:lang(th) .toc h2 { font-size: 14px; letter-spacing: 0; text-transform: none; }
        .toc ol { margin: 0; padding: 0; list-style: none; border-left: 2px solid var(--line); }
        .toc li { margin: 0; }
        .toc a { display: block; padding: 4px 0 4px 14px; color: var(--fg); text-decoration: none; }
        .toc a:hover { color: var(--accent); }
        .toc .toc-2 a { padding-left: 28px; color: var(--muted); }
        .toc .toc-3 a { padding-left: 42px; color: var(--muted); font-size: 13px; }
        .lesson { min-width: 0; max-width: 820px; }
        .lesson:only-child { grid-column: 1 / -1; }
        .lesson > h1, .lesson > h2, .lesson > h3, .lesson > h4 { line-height: 1.35; margin: 2em 0 0.6em; scroll-margin-top: 16px; }
        .lesson > h1 { font-size: 1.8rem; } .lesson > h2 { font-size: 1.45rem; } .lesson > h3 { font-size: 1.2rem; }
        .lesson > :first-child { margin-top: 0; }
        .anchor { margin-left: 0.4em; color: var(--faint); text-decoration: none; opacity: 0; }
        h1:hover .anchor, h2:hover .anchor, h3:hover .anchor, h4:hover .anchor { opacity: 1; }
        .prose p, .prose ul, .prose ol, .prose blockquote { margin: 0 0 1em; }
        .prose blockquote { padding: 2px 16px; border-left: 3px solid var(--line); color: var(--muted); }
        .prose code, .include code { font-size: 0.86em; background: var(--code-bg); padding: 1px 5px; border-radius: 4px; }
        .cell { margin: 22px 0 26px; background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--shown);
          border-radius: 10px; overflow: hidden; scroll-margin-top: 16px; }
        .cell.passed { border-left-color: var(--ok); }
        .cell.failed { border-left-color: var(--bad); }
        .cell.skipped { border-left-color: #d9b45b; }
        .cell.expected { border-left-color: var(--expected); }
        .cell-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; padding: 7px 14px;
          font-size: 13px; line-height: 1.5; border-bottom: 1px solid var(--line); }
        .cell-id { font-family: var(--mono); color: var(--muted); text-decoration: none; margin-right: 2px; }
        .badge { padding: 0 8px; border-radius: 6px; background: var(--shown-bg); color: var(--shown); white-space: nowrap; }
        .passed .badge.status { background: var(--ok-bg); color: var(--ok); }
        .failed .badge.status { background: var(--bad-bg); color: var(--bad); }
        .skipped .badge.status { background: var(--skip-bg); color: var(--skip); }
        .expected .badge.status { background: var(--expected-bg); color: var(--expected); }
        .cell.notdone { border-left-color: var(--accent); border-left-style: dashed; }
        .notdone .badge.status, .badge.exercise { background: #e3f0ed; color: var(--accent); font-weight: 600; }
        .badge.exercise-status.passed { background: var(--ok-bg); color: var(--ok); font-weight: 600; }
        .badge.exercise-status.failed { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
        .badge.exercise-status.notdone { background: #e3f0ed; color: var(--accent); font-weight: 600; }
        .grade { margin: 8px 0 26px; padding: 14px 18px; background: var(--card); border: 1px solid var(--line);
          border-radius: 10px; }
        .grade h2 { margin: 0 0 8px; font-size: 1.4rem; }
        .grade table { border-collapse: collapse; font-size: 15px; }
        .grade th, .grade td { text-align: left; font-weight: 400; padding: 3px 16px 3px 0; white-space: nowrap; }
        .grade th a { font-weight: 600; text-decoration: none; }
        .grade-notes { margin: 10px 0 0; color: var(--muted); font-size: 14px; }
        .hints { margin: -10px 0 22px; }
        .hints details { margin: 0 0 6px; padding: 4px 14px; background: #f3f8f6; border: 1px solid #d3e6e0;
          border-radius: 8px; }
        .hints details:not([open]) ~ details { display: none; }
        .hints summary { cursor: pointer; color: var(--accent); font-weight: 600; font-size: 15px; }
        .hints .prose { padding-top: 4px; }
        .telemetry { margin-left: auto; color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
        .telemetry .cached { color: var(--accent); font-weight: 600; }
        .include { margin: 0; padding: 8px 14px; font-size: 14px; color: var(--muted); border-bottom: 1px solid var(--line); }
        pre.code { --gutter: 7ch; margin: 0; padding: 12px 0; background: var(--code-bg); overflow-x: auto; font-size: 14px; line-height: 1.6; }
        .cell pre.code + .outputs { border-top: 1px solid var(--line); }
        .line { display: block; padding: 0 16px 0 var(--gutter); text-indent: calc(-1 * var(--gutter));
          white-space: pre-wrap; overflow-wrap: anywhere; }
        .ln { display: inline-block; box-sizing: border-box; width: calc(var(--gutter) - 1.4ch); text-indent: 0;
          padding: 0 1.2ch 0 0; margin-right: 1.4ch; text-align: right;
          color: var(--faint); border-right: 1px solid var(--line); user-select: none; -webkit-user-select: none; }
        .line.mark { background: var(--mark-bg); }
        .line.mark .ln { color: var(--bad); font-weight: 700; }
        .cell.expected .line.mark { background: var(--expected-bg); }
        .cell.expected .line.mark .ln { color: var(--expected); }
        .kw { color: #a0306f; } .lit { color: #a0306f; } .str { color: #2d7a3e; } .num { color: #1d5fa6; }
        .cm { color: #8a8f98; font-style: italic; } .ty { color: #0e6e7e; } .lbl { color: #6a5a8e; } .mac { color: #b0580a; }
        .listing { margin: 18px 0 22px; border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
        .listing figcaption { padding: 3px 14px; font-size: 12px; color: var(--muted); background: var(--card);
          border-bottom: 1px solid var(--line); font-family: var(--mono); }
        .outputs { display: flex; flex-direction: column; gap: 12px; padding: 14px 16px; }
        .out { margin: 0; }
        pre.out { white-space: pre-wrap; word-break: break-word; font-size: 14px; line-height: 1.55; }
        pre.out.value { padding: 8px 12px; background: #f1f6f4; border-radius: 6px; color: #163d36; }
        pre.out.text { padding: 0; color: var(--fg); }
        .table-wrap { overflow-x: auto; }
        .table-wrap table { border-collapse: collapse; font-size: 14px; font-variant-numeric: tabular-nums; }
        .table-wrap th, .table-wrap td { padding: 5px 14px 5px 0; text-align: left; border-bottom: 1px solid var(--line); white-space: nowrap; }
        .table-wrap th { font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); }
        .table-wrap .n { text-align: right; padding-left: 14px; }
        .table-wrap tbody tr:last-child td { border-bottom: none; }
        .caption { margin: 6px 0 0; font-size: 13px; color: var(--muted); }
        figure.out.image { margin: 0; }
        figure.out.image img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
        figure.out.image figcaption { margin-top: 4px; font-size: 13px; color: var(--muted); }
        .checks { margin: 0; padding: 0; list-style: none; font-size: 14px; }
        .check { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; padding: 3px 0; }
        .check .mark { font-weight: 700; width: 1.1em; }
        .check.ok .mark { color: var(--ok); } .check.bad .mark { color: var(--bad); }
        .check code { font-size: 13.5px; }
        .check .detail { color: var(--bad); font-family: var(--mono); font-size: 13px; }
        .loc { font-family: var(--mono); font-size: 12.5px; color: var(--muted); }
        .check .loc { margin-left: auto; }
        .callout { padding: 10px 14px; border-radius: 8px; border: 1px solid; font-size: 15px; }
        .callout p { margin: 0; }
        .callout.error { background: var(--bad-bg); border-color: #f3c1bd; color: #5c1410; }
        .callout.expected { background: var(--expected-bg); border-color: #dcd0f0; color: #3b2a5e; }
        .callout.skipped { background: var(--skip-bg); border-color: #eedca6; color: #5a430c; }
        .callout-title { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; }
        .callout .message { margin: 6px 0 0; white-space: pre-wrap; font-size: 14px; }
        .callout .notes { margin: 6px 0 0; padding-left: 18px; font-size: 14px; }
        .footer { max-width: 1120px; margin: 0 auto; padding: 16px 24px 40px; color: var(--muted); font-size: 13px;
          border-top: 1px solid var(--line); }
        .index { max-width: 1120px; margin: 0 auto; padding: 28px 24px 48px; }
        table.lessons { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
        table.lessons th, table.lessons td { padding: 12px 16px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); }
        table.lessons thead th { font-size: 13px; color: var(--muted); font-weight: 600; }
        table.lessons .slug { font-family: var(--mono); font-size: 13px; font-weight: 400; color: var(--muted); white-space: nowrap; }
        table.lessons td a { font-weight: 600; text-decoration: none; }
        @media (max-width: 900px) {
          .page { grid-template-columns: minmax(0, 1fr); gap: 20px; }
          .toc { position: static; max-height: none; }
          .telemetry { margin-left: 0; }
        }
        @media (max-width: 640px) {
          .index { padding: 16px 10px 32px; }
          table.lessons, table.lessons tbody, table.lessons tr, table.lessons th, table.lessons td {
            display: block; width: 100%; }
          table.lessons thead { display: none; }
          table.lessons tr { border-bottom: 1px solid var(--line); padding: 4px 0; }
          table.lessons th, table.lessons td { border-bottom: none; padding: 6px 14px; }
        }

        """
}
