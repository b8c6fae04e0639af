import Foundation
import Testing
import _TestSupport

@testable import Training

@Suite struct DataFrameTests {
    func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khru-training-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    @Test func tsvWithoutHeaderTakesNames() throws {
        let text = "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n"
        let url = try temporaryFile("u.data", Array(text.utf8))
        let ratings = try DataFrame.readCSV(
            url, delimiter: "\t", header: false, names: ["user", "movie", "rating", "timestamp"])
        #expect(ratings.columns == ["user", "movie", "rating", "timestamp"])
        #expect(ratings.count == 3)
        #expect(ratings["user"].data == .int([196, 186, 22]))
        #expect(ratings[1]["movie"] == "302")
        #expect(ratings[2].value("rating") == .int(1))
    }

    @Test func aRowWithTooManyFieldsIsAnErrorNamingItsLineAndAShortRowIsPadded() throws {
        #expect(throws: TrainingError("r.csv: line 3 has 4 fields, but the header has 3")) {
            try DataFrame.parseCSV("a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n", source: "r.csv")
        }
        #expect(throws: TrainingError("<text>: line 2 has 3 fields, but the first line has 2")) {
            try DataFrame.parseCSV("1,2\n3,4,5\n", header: false)
        }
        let padded = try DataFrame.parseCSV("a,b,c\n1,2,3\n4,5\n")
        #expect(padded.count == 2)
        if case .double(let c) = padded["c"].data {
            #expect(c[0] == 3 && c[1].isNaN)
        } else {
            Issue.record("column c should be Double with a missing value, not \(padded["c"].data)")
        }
    }

    @Test func unreadableFilesSayWhy() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("khru-\(UUID()).csv")
        #expect(throws: TrainingError("cannot read \(missing.path): no such file")) {
            try DataFrame.readCSV(missing)
        }
        let latin1 = try temporaryFile("l.csv", [0x61, 0x0A, 0xE9, 0x0A])
        #expect(
            throws: TrainingError(
                "cannot read \(latin1.path): it is not UTF-8 text (encoding: .latin1 reads Latin-1)")
        ) { try DataFrame.readCSV(latin1) }
        #expect(try DataFrame.readCSV(latin1, encoding: .latin1)[0]["a"] == "é")
    }

    @Test func latin1PipeFileWithUsecols() throws {
        // "Misérables, Les (1995)" in ISO-8859-1: é is the single byte 0xE9.
        var bytes = Array("1|Toy Story (1995)|01-Jan-1995||http://x|0|1\n".utf8)
        bytes += Array("9|Mis".utf8) + [0xE9] + Array("rables, Les (1995)|01-Jan-1995||http://y|0|0\n".utf8)
        let url = try temporaryFile("u.item", bytes)
        let movies = try DataFrame.readCSV(
            url, delimiter: "|", names: ["movie", "title"], encoding: .latin1, usecols: [0, 1])
        #expect(movies.columns == ["movie", "title"])
        #expect(movies["title"].strings == ["Toy Story (1995)", "Misérables, Les (1995)"])
        #expect(movies["movie"].data == .int([1, 9]))
    }

    @Test func headerTypesAndHead() throws {
        let text =
            "fname,labels,is_valid,score\n000005.jpg,chair,True,0.5\n000007.jpg,car,True,\n"
            + "000009.jpg,horse person,False,2\n"
        let df = try DataFrame.parseCSV(text)
        #expect(df["is_valid"].data == .bool([true, true, false]))
        #expect(df["score"].doubles[0] == 0.5 && df["score"].doubles[1].isNaN)
        #expect(df["labels"].data.dtype == "object")
        let head = df.head(2)
        #expect(head.columns == ["fname", "labels", "is_valid", "score"])
        #expect(
            head.rows == [["000005.jpg", "chair", "True", "0.5"], ["000007.jpg", "car", "True", "NaN"]])
        #expect(df.filter { $0["labels"].contains(" ") }.count == 1)
        #expect(throws: TrainingError.self) { try df.column("nope") }
    }

    @Test func mergeIsAnInnerJoinOnCommonColumns() throws {
        let ratings = try DataFrame([
            ("user", .int([196, 186, 22, 5])), ("movie", .int([242, 302, 242, 999])),
            ("rating", .int([3, 3, 1, 2])),
        ])
        let movies = try DataFrame([
            ("movie", .int([242, 302])), ("title", .string(["Kolya (1996)", "L.A. Confidential (1997)"])),
        ])
        let merged = try ratings.merge(movies)
        #expect(merged.columns == ["user", "movie", "rating", "title"])
        #expect(merged.count == 3)  // movie 999 has no title: dropped
        #expect(merged["user"].data == .int([196, 186, 22]))
        #expect(merged["title"].strings == ["Kolya (1996)", "L.A. Confidential (1997)", "Kolya (1996)"])
        let other = try DataFrame([("x", .int([1]))])
        #expect(throws: TrainingError.self) { try ratings.merge(other) }
    }

    @Test func splittersAndColReader() throws {
        let df = try DataFrame.parseCSV(
            "fname,labels,is_valid\na.png,cat dog,False\nb.png,dog,True\nc.png,,False\n")
        let rows = df.allRows
        #expect(try ColSplitter().split(rows) == Split(train: [0, 2], valid: [1]))
        #expect(try ColSplitter(col: "labels", on: "dog").split(rows) == Split(train: [0, 2], valid: [1]))
        #expect(
            try FuncSplitter<DataFrame.Row> { $0["fname"] == "c.png" }.split(rows)
                == Split(train: [0, 1], valid: [2]))
        #expect(try IndexSplitter([2, 0]).split(rows) == Split(train: [1], valid: [2, 0]))
        #expect(try EndSplitter(validPct: 0.34).split(rows) == Split(train: [0, 1], valid: [2]))
        #expect(throws: TrainingError.self) { try ColSplitter().split([1, 2, 3]) }

        let labels = ColReader("labels", labelDelim: " ")
        #expect(try labels(rows[0]) as? [String] == ["cat", "dog"])
        #expect(try labels(rows[2]) as? [String] == [])
        #expect(try ColReader("fname", prefix: "train/")(rows[1]) as? String == "train/b.png")
        #expect(try ColReader("is_valid")(rows[1]) as? DataFrame.Value == .bool(true))
    }

    @Test func vocabularies() {
        #expect(CategoryMap(["dog", "cat", "dog", "Bird"]).items == ["Bird", "cat", "dog"])
        #expect(CategoryMap(["10", "9", "100"]).items == ["9", "10", "100"])
        let multi = CategoryMap(multi: [["person", "car"], ["car"], ["bus"]])
        #expect(multi.items == ["bus", "car", "person"])
        #expect(multi.index(of: "person") == 2 && multi.index(of: "cow") == nil)
        #expect(CategoryMap(["b", "a"], addNA: true).items == ["#na#", "a", "b"])
    }
}

/// A flag one thread sets and another polls.
private final class DoneFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

@Suite(.serialized) struct ExternalCommandTests {
    /// A signal that interrupts the read of a command's output (EINTR) does not crash it: Foundation's
    /// `readDataToEndOfFile()` traps there, which the fuzzer found (its timer signal hit the read).
    @Test func aSignalDuringTheReadIsRetried() {
        // A handler without SA_RESTART, so a blocked read(2) returns EINTR.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        var previous = sigaction()
        sigaction(SIGUSR2, &action, &previous)
        defer { sigaction(SIGUSR2, &previous, nil) }
        let reader = pthread_self()
        let done = DoneFlag()
        Thread.detachNewThread {
            while !done.isSet {
                pthread_kill(reader, SIGUSR2)
                usleep(20_000)
            }
        }
        let (status, output) = ExternalCommand(["sh", "-c", "sleep 0.5; echo done"]).run()
        done.set()
        #expect(status == 0)
        #expect(output == "done")
    }

    @Test func aCommandOutlastingItsDeadlineIsStopped() {
        let start = ContinuousClock.now
        let (status, output) = ExternalCommand.withDeadline(.now + .milliseconds(300)) {
            ExternalCommand(["sleep", "30"]).run()
        }
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(status != 0)
        #expect(output.contains("stopped at the deadline"), "\(output)")
        #expect(ExternalCommand(["true"]).run().status == 0)
        #expect(
            ExternalCommand.withDeadline(.now + .seconds(30)) { ExternalCommand(["true"]).run() }.status == 0)
    }
}
