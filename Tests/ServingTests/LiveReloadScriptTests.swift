import Foundation
import Serving
import Testing

/// The path of `node`, if this machine has it.
private let node: String? = ["/usr/bin/node", "/usr/local/bin/node", "/usr/bin/nodejs"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// A page's live script, run by Node against a stand-in DOM and `EventSource` that a driver controls.
///
/// The driver (JavaScript) gets `sources` (every EventSource the page made, in order), `reloads` (how
/// many times the page reloaded) and `clock()` (milliseconds since start); it prints one JSON line.
private func runScript(driver: String) throws -> [String: Any] {
    let snippet = LiveReload.snippet
    let open = try #require(snippet.range(of: "<script id=\"khru-live-script\">"))
    let close = try #require(snippet.range(of: "</script>", range: open.upperBound..<snippet.endIndex))
    let script = String(snippet[open.upperBound..<close.lowerBound])
    let harness = """
        const started = Date.now();
        function clock() { return Date.now() - started; }
        const sources = [];
        let reloads = 0;
        class EventSource {
          constructor(url) { this.url = url; this.readyState = 0; this.listeners = {}; sources.push(this); this.made = clock(); }
          addEventListener(name, handler) { this.listeners[name] = handler; }
          close() { this.readyState = 2; }
        }
        EventSource.CLOSED = 2;
        function element() {
          return { style: {}, dataset: {}, classList: { add() {}, remove() {}, contains() { return false; } },
                   appendChild() {}, insertBefore() {}, removeChild() {}, setAttribute() {}, querySelector() { return null; },
                   isConnected: true, hidden: false, textContent: "", className: "" };
        }
        const document = { body: element(), createElement: element, getElementById() { return null; },
                           querySelectorAll() { return []; }, addEventListener() {} };
        const store = {};
        const sessionStorage = { getItem(k) { return k in store ? store[k] : null; },
                                 setItem(k, v) { store[k] = v; }, removeItem(k) { delete store[k]; } };
        const location = { pathname: "/en/01-x.html", reload() { reloads += 1; } };
        const window = { scrollY: 0, scrollTo() {}, addEventListener() {} };
        \(script)
        \(driver)
        """
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "khru-live-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("page.js")
    try Data(harness.utf8).write(to: file)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(node))
    process.arguments = [file.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
    return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
}

@Suite(.enabled(if: node != nil, "needs node to run the page's script")) struct LiveReloadScriptTests {
    /// A page that loses the server (it stopped or crashed) keeps trying, and once a restarted server
    /// answers (within 2 s) it reloads, whatever the browser's own EventSource retry would do.
    @Test func aPageReconnectsWithinTwoSecondsOfARestartAndReloads() throws {
        let result = try runScript(
            driver: """
                const first = sources[0];
                first.onopen();
                // The server goes away: the browser reports an error and (a refused connection) gives up.
                first.onerror();
                setTimeout(function () {
                  // Still down: the next attempt fails too.
                  const second = sources[1];
                  if (second) second.onerror();
                  setTimeout(function () {
                    // Back: the newest attempt connects.
                    const last = sources[sources.length - 1];
                    last.onopen();
                    console.log(JSON.stringify({
                      sources: sources.length, reloads: reloads, firstClosed: first.readyState === 2,
                      secondAt: second ? second.made : -1, url: last.url
                    }));
                  }, 1200);
                }, 700);
                """)
        #expect(result["firstClosed"] as? Bool == true)
        let sources = try #require(result["sources"] as? Int)
        #expect(sources >= 3, "made \(sources) connections in 1.9 s")
        let secondAt = try #require(result["secondAt"] as? Int)
        #expect(secondAt > 0 && secondAt < 2000, "the first retry came after \(secondAt) ms")
        #expect(result["reloads"] as? Int == 1)
        #expect(result["url"] as? String == LiveReload.eventsPath)
    }

    /// A page that never lost its server does not reload when it connects.
    @Test func aFirstConnectionDoesNotReload() throws {
        let result = try runScript(
            driver: """
                sources[0].onopen();
                setTimeout(function () {
                  console.log(JSON.stringify({ sources: sources.length, reloads: reloads }));
                }, 800);
                """)
        #expect(result["sources"] as? Int == 1)
        #expect(result["reloads"] as? Int == 0)
    }
}
