/// The script `khru serve` adds to every page it sends (never to the files on disk).
///
/// It listens to the server's events (`/_khru/events`) and, for its own report: reloads when the
/// report is rewritten, keeping the scroll position (saved in `sessionStorage`); marks the running cell
/// and shows its training progress and epoch rows as they arrive; shows problems at once with their
/// positions. A bar in the corner says whether the page is live. A page that loses the server (it
/// stopped, crashed or restarted) connects again every ``reconnectMilliseconds`` and reloads once it is
/// back. Event data is only ever inserted as text, never as HTML.
public enum LiveReload {
    /// The path of the event stream.
    public static let eventsPath = "/_khru/events"

    /// How long a page waits before it connects again after losing the server (a restart), in ms.
    public static let reconnectMilliseconds = 500

    /// `html` with the script added before its last `</body>` (or at its end).
    public static func inject(into html: String) -> String {
        guard let range = html.range(of: "</body>", options: .backwards) else { return html + snippet }
        var result = html
        result.replaceSubrange(range.lowerBound..<range.lowerBound, with: snippet)
        return result
    }

    /// The `<style>` and `<script>` added.
    public static let snippet = """
        <style id="khru-live-style">
        #khru-live{position:fixed;right:12px;bottom:12px;z-index:1000;max-width:min(560px,calc(100vw - 24px));
          font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;background:#1f2430;color:#f4f4f4;
          border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.25);padding:8px 12px}
        #khru-live .dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:6px;background:#8a8f98}
        #khru-live.live .dot{background:#3ccf6e}#khru-live.busy .dot{background:#f5b83d}
        #khru-live.problem .dot{background:#ff5c5c}
        #khru-live ul{margin:6px 0 0;padding-left:18px}#khru-live li{font-family:ui-monospace,monospace;font-size:12px;
          white-space:pre-wrap;word-break:break-word}
        section.cell.khru-running{outline:3px solid #f5b83d;outline-offset:2px}
        section.cell.khru-stale,.outputs.khru-stale{opacity:.45}
        .khru-progress{margin:.6rem 0;padding:.6rem .8rem;border:1px dashed #f5b83d;border-radius:6px;
          background:#fffaf0;color:#4a3b10;font-size:.9rem}
        .khru-progress .bar{height:8px;background:#eee2c4;border-radius:4px;overflow:hidden;margin:.4rem 0}
        .khru-progress .bar i{display:block;height:100%;background:#f5b83d;width:0}
        .khru-progress .rows{max-height:13rem;overflow:auto}
        .khru-progress table{border-collapse:collapse;font-family:ui-monospace,monospace;font-size:.8rem}
        .khru-progress td,.khru-progress th{padding:1px 8px;text-align:right}
        .khru-progress th{position:sticky;top:0;background:#fffaf0}
        </style>
        <script id="khru-live-script">
        (function () {
          "use strict";
          var here = location.pathname.endsWith("/") ? location.pathname + "index.html" : location.pathname;
          var key = "khru-scroll:" + here;
          var saved = sessionStorage.getItem(key);
          if (saved !== null) {
            sessionStorage.removeItem(key);
            var y = parseFloat(saved) || 0;
            window.scrollTo(0, y);
            window.addEventListener("load", function () { window.scrollTo(0, y); });
          }
          var bar = document.createElement("div");
          bar.id = "khru-live";
          bar.setAttribute("role", "status");
          var line = document.createElement("div");
          var dot = document.createElement("span");
          dot.className = "dot";
          var text = document.createElement("span");
          line.appendChild(dot);
          line.appendChild(text);
          bar.appendChild(line);
          var list = document.createElement("ul");
          list.hidden = true;
          bar.appendChild(list);
          function mount() { if (!bar.isConnected) document.body.appendChild(bar); }
          if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
          function say(state, words) { bar.className = state; text.textContent = words; }
          function problems(messages) {
            list.textContent = "";
            messages.forEach(function (m) { var li = document.createElement("li"); li.textContent = m; list.appendChild(li); });
            list.hidden = messages.length === 0;
          }
          function mine(d) { return d.report === here || here.endsWith("/index.html") && d.report === ""; }
          var box = null, rows = null, rowsBox = null, fill = null, caption = null, running = null;
          function cellSection(id) { var s = document.getElementById(id); return s && s.classList.contains("cell") ? s : null; }
          function start(id) {
            finish();
            running = id;
            var section = cellSection(id);
            box = document.createElement("div");
            box.className = "khru-progress";
            caption = document.createElement("div");
            caption.textContent = "Running #" + id + "…";
            var track = document.createElement("div");
            track.className = "bar";
            fill = document.createElement("i");
            track.appendChild(fill);
            rows = document.createElement("table");
            rowsBox = document.createElement("div");
            rowsBox.className = "rows";
            rowsBox.appendChild(rows);
            box.appendChild(caption);
            box.appendChild(track);
            box.appendChild(rowsBox);
            if (section) {
              section.classList.add("khru-running");
              // The cells after it run again too (their cache keys chain through it).
              var after = false;
              document.querySelectorAll("section.cell").forEach(function (cell) {
                if (after) cell.classList.add("khru-stale");
                if (cell === section) after = true;
              });
              // The box goes under the cell's code; the badge says it runs; the old outputs fade.
              var badge = section.querySelector(".cell-bar .status");
              if (badge) { badge.dataset.khruWas = badge.textContent; badge.textContent = "▶ running"; }
              var timing = section.querySelector(".cell-bar .telemetry");
              if (timing) timing.hidden = true;
              var old = section.querySelector(".outputs");
              if (old) old.classList.add("khru-stale");
              var code = section.querySelector("pre.code") || section.querySelector(".cell-bar");
              if (code && code.nextSibling) section.insertBefore(box, code.nextSibling); else section.appendChild(box);
            }
          }
          function finish() {
            var s = running ? cellSection(running) : null;
            if (s) {
              s.classList.remove("khru-running");
              var badge = s.querySelector(".cell-bar .status");
              if (badge && badge.dataset.khruWas !== undefined) badge.textContent = "… finished, updating";
            }
            if (box && box.parentNode) box.parentNode.removeChild(box);
            box = null; running = null;
          }
          function row(cells, head) {
            var tr = document.createElement("tr");
            cells.forEach(function (c) { var td = document.createElement(head ? "th" : "td"); td.textContent = c; tr.appendChild(td); });
            rows.appendChild(tr);
          }
          var source = null, lost = false, retry = null;
          function reconnect() {
            // Browsers give up on an EventSource whose server refused a connection (a restart): retry here,
            // every half second, and reload once connected again, since the server rebuilt the reports.
            if (retry !== null) return;
            retry = setTimeout(function () { retry = null; connect(); }, \(reconnectMilliseconds));
          }
          function connect() {
            source = new EventSource("\(eventsPath)");
            source.onopen = function () {
              if (lost) {
                sessionStorage.setItem(key, String(window.scrollY));
                source.close();
                location.reload();
                return;
              }
              if (!running) say("live", "live · up to date");
            };
            source.onerror = function () {
              say("", "not connected · retrying");
              lost = true;
              source.close();
              reconnect();
            };
            function on(name, handler) {
              source.addEventListener(name, function (e) { var d; try { d = JSON.parse(e.data); } catch (x) { return; } handler(d); });
            }
            on("status", function (d) {
              if (d.building) say("busy", "building " + d.lesson);
              else if (!running) say(list.hidden ? "live" : "problem", list.hidden ? "live · up to date" : "live · problems");
            });
            on("cell-started", function (d) {
              if (!mine(d)) { say("busy", "running #" + d.cell); return; }
              start(d.cell);
              say("busy", "running #" + d.cell);
            });
            on("batch", function (d) {
              if (!mine(d) || running !== d.cell || !box) return;
              var done = (d.epoch + (d.phase === "train" ? d.batch / d.batches * 0.85 : 0.85 + d.batch / d.batches * 0.15)) / d.epochs;
              fill.style.width = Math.min(100, done * 100).toFixed(1) + "%";
              caption.textContent = "Running #" + d.cell + " · epoch " + (d.epoch + 1) + "/" + d.epochs + " · " + d.phase +
                " batch " + d.batch + "/" + d.batches;
              say("busy", caption.textContent);
            });
            on("epoch", function (d) {
              if (!mine(d) || running !== d.cell || !box) return;
              if (!rows.firstChild) row(d.header, true);
              row(d.row, false);
              rowsBox.scrollTop = rowsBox.scrollHeight;
            });
            on("cell-finished", function (d) { if (mine(d) && running === d.cell) finish(); });
            on("note", function (d) { if (mine(d)) say("busy", d.text); });
            on("problems", function (d) {
              if (!mine(d) && !here.endsWith("/index.html")) return;
              problems(d.messages);
              say("problem", d.blocking ? "cannot run " + d.lesson + ":" : "problems in " + d.lesson + ":");
            });
            on("reload", function (d) {
              if (d.reports.indexOf(here) >= 0) {
                sessionStorage.setItem(key, String(window.scrollY));
                source.close();
                location.reload();
              } else if (!running) {
                say("live", "live · up to date");
              }
            });
          }
          connect();
          window.addEventListener("beforeunload", function () { if (source) source.close(); });
        })();
        </script>

        """
}
