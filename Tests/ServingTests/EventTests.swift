import Foundation
import Serving
import Testing

@Suite struct EventTests {
    @Test func theScriptGoesBeforeTheLastClosingBodyOnly() {
        let html = "<html><body><p>&lt;/body&gt;</p></body>\n</html>\n"
        let served = LiveReload.inject(into: html)
        #expect(served.hasPrefix("<html><body><p>&lt;/body&gt;</p>" + LiveReload.snippet + "</body>"))
        #expect(served.hasSuffix("</body>\n</html>\n"))
        #expect(LiveReload.inject(into: "<p>no body</p>") == "<p>no body</p>" + LiveReload.snippet)
        #expect(LiveReload.snippet.contains("new EventSource(\"\(LiveReload.eventsPath)\")"))
        #expect(LiveReload.snippet.contains("sessionStorage.setItem(key, String(window.scrollY))"))
        // Event data is inserted as text only.
        #expect(!LiveReload.snippet.contains("innerHTML"))
    }

    @Test func eventsAreOneDataLineOfJSON() throws {
        let event = WorkshopEvent.problems(
            report: "/en/a.html", lesson: "lessons/en/a.md", messages: ["a.md:3:1: error: x\ny"],
            blocking: true)
        let text = event.serverSentText
        #expect(text.hasPrefix("event: problems\ndata: {"))
        #expect(text.hasSuffix("}\n\n"))
        #expect(text.split(separator: "\n").count == 2)
        let json = try #require(text.split(separator: "\n").last?.dropFirst("data: ".count))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["messages"] as? [String] == ["a.md:3:1: error: x\ny"])
        #expect(object["blocking"] as? Bool == true)
    }

    @Test func aNewPageLearnsTheBuildInProgressAndStandingProblems() async {
        let hub = EventHub()
        hub.publish(
            .problems(report: "/en/b.html", lesson: "b.md", messages: ["b.md:1:1: error: e"], blocking: true))
        hub.publish(.status(building: true, lesson: "a.md", report: "/en/a.html"))
        hub.publish(.cellStarted(report: "/en/a.html", cellID: "fit"))
        hub.publish(
            .batch(
                report: "/en/a.html", cellID: "fit", epoch: 0, epochs: 2, batch: 1, batches: 9, training: true
            ))
        hub.publish(.epoch(report: "/en/a.html", cellID: "fit", header: ["epoch"], row: ["0"]))
        hub.publish(
            .batch(
                report: "/en/a.html", cellID: "fit", epoch: 1, epochs: 2, batch: 3, batches: 9, training: true
            ))
        let stream = hub.subscribe()
        #expect(hub.subscriberCount == 1)
        hub.close()
        var names: [String] = []
        for await event in stream { names.append(event.name + (event.report.map { " " + $0 } ?? "")) }
        // The latest batch only; the problems of another lesson stand until it builds without them.
        #expect(
            names == [
                "status /en/a.html", "problems /en/b.html", "cell-started /en/a.html", "epoch /en/a.html",
                "batch /en/a.html",
            ])
        #expect(hub.subscriberCount == 0)
    }

    @Test func aBuildWithoutProblemsClearsTheStandingOnes() async {
        let hub = EventHub()
        hub.publish(.problems(report: "/en/b.html", lesson: "b.md", messages: ["e"], blocking: true))
        hub.publish(.problems(report: "/en/b.html", lesson: "b.md", messages: [], blocking: false))
        hub.publish(
            .reload(reports: ["/en/b.html"], lesson: "b.md", ran: 0, cached: 2, failed: 0, seconds: 0.1))
        let stream = hub.subscribe()
        hub.close()
        var names: [String] = []
        for await event in stream { names.append(event.name) }
        #expect(names == ["status"])
    }
}
