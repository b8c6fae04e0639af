import Foundation
import LessonSource
import Reporting
import SwiftParser
import SwiftSyntax

/// Reads the Khru source an `include=` cell shows, optionally just one declaration of it.
public enum IncludedCode {
    /// Reads `path` relative to `packageRoot`; with `symbol`, extracts that declaration (with its doc
    /// comment) using SwiftSyntax.
    ///
    /// - Throws: A ``Diagnostic`` (to be located at the cell) when the file or symbol is missing.
    public static func read(path: String, symbol: String?, packageRoot: String?) throws -> IncludedSource {
        guard let packageRoot else {
            throw Diagnostic(
                .error, "include=\"\(path)\": no Package.swift above the lesson",
                at: .init(file: "", line: 1, column: 1))
        }
        // Confined to the repository, after `..` and symbolic links are resolved: a lesson must not be
        // able to put the machine's files into a report.
        let root = URL(fileURLWithPath: packageRoot).standardizedFileURL.resolvingSymlinksInPath().path
        let full = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: root + "/"))
            .standardizedFileURL.resolvingSymlinksInPath().path
        guard full.hasPrefix(root + "/") else {
            throw Diagnostic(
                .error,
                "include=\"\(path)\": the file is outside the repository; include= shows Khru's own source",
                at: .init(file: "", line: 1, column: 1))
        }
        guard let text = try? String(contentsOfFile: full, encoding: .utf8) else {
            throw Diagnostic(
                .error, "include=\"\(path)\": no such file in the package",
                at: .init(file: "", line: 1, column: 1))
        }
        guard let symbol else { return IncludedSource(path: path, code: text, firstLine: 1) }
        guard let (code, line) = extract(symbol, from: text) else {
            throw Diagnostic(
                .error, "include=\"\(path)\": no declaration named '\(symbol)' in the file",
                at: .init(file: "", line: 1, column: 1))
        }
        return IncludedSource(path: path, symbol: symbol, code: code, firstLine: line)
    }

    /// The source of the first declaration named `symbol` (type, function, property, extension) and its
    /// first line, doc comments included.
    public static func extract(_ symbol: String, from text: String) -> (code: String, line: Int)? {
        let tree = Parser.parse(source: text)
        let converter = SourceLocationConverter(fileName: "", tree: tree)
        func search(_ node: Syntax) -> DeclSyntax? {
            if let decl = node.as(DeclSyntax.self), name(of: decl) == symbol { return decl }
            for child in node.children(viewMode: .sourceAccurate) {
                if let found = search(child) { return found }
            }
            return nil
        }
        guard let decl = search(Syntax(tree)) else { return nil }
        var comments: [String] = []
        scan: for piece in decl.leadingTrivia.reversed() {
            switch piece {
            case .docLineComment(let text), .lineComment(let text): comments.insert(text, at: 0)
            case .spaces, .tabs: continue
            case .newlines(let count) where count <= 1: continue
            default: break scan
            }
        }
        let line = converter.location(for: decl.positionAfterSkippingLeadingTrivia).line - comments.count
        let column = converter.location(for: decl.positionAfterSkippingLeadingTrivia).column
        let indent = String(repeating: " ", count: max(0, column - 1))
        let body = indent + decl.trimmedDescription
        let lines =
            (comments.map { indent + $0 }
                + body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        let code = dedent(lines).joined(separator: "\n")
        return (code, line)
    }

    private static func name(of decl: DeclSyntax) -> String? {
        if let d = decl.as(StructDeclSyntax.self) { return d.name.text }
        if let d = decl.as(ClassDeclSyntax.self) { return d.name.text }
        if let d = decl.as(EnumDeclSyntax.self) { return d.name.text }
        if let d = decl.as(ProtocolDeclSyntax.self) { return d.name.text }
        if let d = decl.as(ActorDeclSyntax.self) { return d.name.text }
        if let d = decl.as(FunctionDeclSyntax.self) { return d.name.text }
        if let d = decl.as(TypeAliasDeclSyntax.self) { return d.name.text }
        if let d = decl.as(ExtensionDeclSyntax.self) { return d.extendedType.trimmedDescription }
        if let d = decl.as(VariableDeclSyntax.self), d.bindings.count == 1, let binding = d.bindings.first {
            return binding.pattern.as(IdentifierPatternSyntax.self)?.identifier.text
        }
        return nil
    }

    private static func dedent(_ lines: [String]) -> [String] {
        let indents = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map {
            $0.prefix(while: { $0 == " " }).count
        }
        let common = indents.min() ?? 0
        return lines.map { $0.count >= common ? String($0.dropFirst(common)) : $0 }
    }
}
