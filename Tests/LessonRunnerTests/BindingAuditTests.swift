import Foundation
import Testing
import Training

@testable import LessonRunner

/// Every binding of the standard registry points at a library declaration with the same labels and
/// defaults (the library is the single source of truth).
@Suite struct BindingAuditTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func audit() throws -> BindingAudit {
        try BindingAudit(
            sourceFolders: ["TensorCore", "Training", "Collab", "Plotting", "Vision", "Downloads"].map {
                root.appendingPathComponent("Sources/\($0)").path
            })
    }

    @Test func everyBindingMatchesTheLibrary() throws {
        let problems = try Self.audit().problems(in: .standard(), exempt: Registry.cellLanguageConveniences)
        #expect(problems == [])
    }

    @Test func aDefaultChangedInABindingIsCaught() throws {
        var drifted = Registry()
        drifted.type("Learner", doc: "A learner.")
        drifted.bind(
            "Learner.fineTune(_ epochs: Int, baseLR: Double = 3e-3, freezeEpochs: Int = 1)", doc: "Drifted."
        ) { (_: AnyLearner, _: Int, _: Double, _: Int) in }
        #expect(
            try Self.audit().problems(in: drifted, exempt: [])
                == [
                    "Learner.fineTune(_:baseLR:freezeEpochs:): 'baseLR' defaults to 3e-3 in the binding, 2e-3 in the library"
                ])
    }

    @Test func aBindingWithoutALibraryDeclarationIsCaught() throws {
        var registry = Registry()
        registry.type("Learner", doc: "A learner.")
        registry.bind("Learner.fitFast(_ epochs: Int)", doc: "Not in the library.") {
            (_: AnyLearner, _: Int) in
        }
        #expect(
            try Self.audit().problems(in: registry, exempt: [])
                == [
                    "Learner.fitFast(_:): no library declaration has these labels (Learner.fitFast(_ epochs: Int))"
                ])
    }
}
