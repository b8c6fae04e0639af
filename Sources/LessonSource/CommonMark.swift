import CCmark

/// One top-level block of a CommonMark document, converted out of cmark into plain Swift values.
///
/// This file is the only importer of `CCmark`: no cmark pointer or enum leaves it.
struct MarkdownBlock: Hashable, Sendable {
    /// What the block is.
    enum Kind: Hashable, Sendable {
        /// A heading with its level and plain text.
        case heading(level: Int, text: String)
        /// A code block with its info string (empty for indented code) and content.
        case code(info: String, literal: String)
        /// Any other block, rendered to safe HTML.
        case other(html: String)
    }

    /// What the block is.
    var kind: Kind
    /// The 1-based line where the block starts.
    var line: Int
    /// The 1-based UTF-8 column where the block starts.
    var column: Int
    /// The 1-based line where the block ends (for a fenced code block, its closing fence if it has one).
    var endLine = 0
    /// Where code blocks nested in this block (in a list or quote) start, with their info strings.
    var nestedCode: [(line: Int, column: Int, info: String)] = []
    /// Where raw HTML (dropped from the report) starts inside this block.
    var rawHTML: [(line: Int, column: Int)] = []

    static func == (lhs: MarkdownBlock, rhs: MarkdownBlock) -> Bool {
        lhs.kind == rhs.kind && lhs.line == rhs.line && lhs.column == rhs.column
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(line)
        hasher.combine(column)
    }
}

/// A thin wrapper over libcmark.
enum CommonMark {
    /// The options every parse and render uses: safe HTML (raw HTML and unsafe links dropped).
    private static let options = CMARK_OPT_DEFAULT

    /// Parses `text` and returns its top-level blocks in document order.
    ///
    /// With `rawHTML` (a lesson's front-matter opt-in) the prose keeps its raw HTML.
    static func blocks(_ text: String, rawHTML: Bool = false) -> [MarkdownBlock] {
        guard let document = cmark_parse_document(text, text.utf8.count, options) else { return [] }
        defer { cmark_node_free(document) }
        var result: [MarkdownBlock] = []
        var child = cmark_node_first_child(document)
        let renderOptions = rawHTML ? options | CMARK_OPT_UNSAFE : options
        while let node = child {
            result.append(block(node, renderOptions))
            child = cmark_node_next(node)
        }
        return result
    }

    /// Renders `markdown` (several blocks) to safe HTML.
    static func html(_ markdown: String) -> String {
        guard let document = cmark_parse_document(markdown, markdown.utf8.count, options) else { return "" }
        defer { cmark_node_free(document) }
        return render(document)
    }

    /// Renders `markdown` as inline HTML with raw HTML dropped.
    ///
    /// One paragraph loses its `<p>` wrapper; anything else (several blocks, a heading) is rendered whole.
    static func inlineHTML(_ markdown: String) -> String {
        guard let document = cmark_parse_document(markdown, markdown.utf8.count, options) else { return "" }
        defer { cmark_node_free(document) }
        guard let first = cmark_node_first_child(document) else { return "" }
        if cmark_node_next(first) == nil, cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH {
            var html = ""
            var child = cmark_node_first_child(first)
            while let node = child {
                html += render(node)
                child = cmark_node_next(node)
            }
            return html
        }
        return render(document)
    }

    private static func block(_ node: OpaquePointer, _ renderOptions: Int32) -> MarkdownBlock {
        let line = Int(cmark_node_get_start_line(node))
        let column = Int(cmark_node_get_start_column(node))
        switch cmark_node_get_type(node) {
        case CMARK_NODE_HEADING:
            let level = Int(cmark_node_get_heading_level(node))
            return MarkdownBlock(
                kind: .heading(level: level, text: plainText(node)), line: line, column: column,
                rawHTML: rawHTML(in: node))
        case CMARK_NODE_CODE_BLOCK:
            return MarkdownBlock(
                kind: .code(
                    info: string(cmark_node_get_fence_info(node)),
                    literal: string(cmark_node_get_literal(node))),
                line: line, column: column, endLine: Int(cmark_node_get_end_line(node)))
        default:
            return MarkdownBlock(
                kind: .other(html: render(node, renderOptions)), line: line, column: column,
                endLine: Int(cmark_node_get_end_line(node)), nestedCode: nestedCode(in: node),
                rawHTML: rawHTML(in: node))
        }
    }

    /// Renders one node (and its children) with cmark's HTML renderer (safe unless `renderOptions` say
    /// otherwise).
    private static func render(_ node: OpaquePointer, _ renderOptions: Int32 = options) -> String {
        guard let html = cmark_render_html(node, renderOptions) else { return "" }
        defer { cmark_get_default_mem_allocator().pointee.free(html) }
        return String(cString: html)
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// Calls `body` for every node below `root` (not `root` itself), in document order.
    private static func walk(_ root: OpaquePointer, _ body: (OpaquePointer) -> Void) {
        guard let iterator = cmark_iter_new(root) else { return }
        defer { cmark_iter_free(iterator) }
        while cmark_iter_next(iterator) != CMARK_EVENT_DONE {
            guard cmark_iter_get_event_type(iterator) == CMARK_EVENT_ENTER,
                let node = cmark_iter_get_node(iterator), node != root
            else { continue }
            body(node)
        }
    }

    /// The text of a heading: text and code spans, line breaks as spaces.
    private static func plainText(_ root: OpaquePointer) -> String {
        var text = ""
        walk(root) { node in
            switch cmark_node_get_type(node) {
            case CMARK_NODE_TEXT, CMARK_NODE_CODE: text += string(cmark_node_get_literal(node))
            case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK: text += " "
            default: break
            }
        }
        return text
    }

    private static func nestedCode(in root: OpaquePointer) -> [(line: Int, column: Int, info: String)] {
        var found: [(line: Int, column: Int, info: String)] = []
        walk(root) { node in
            guard cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK else { return }
            found.append(
                (
                    Int(cmark_node_get_start_line(node)), Int(cmark_node_get_start_column(node)),
                    string(cmark_node_get_fence_info(node))
                ))
        }
        return found
    }

    private static func rawHTML(in root: OpaquePointer) -> [(line: Int, column: Int)] {
        var found: [(line: Int, column: Int)] = []
        let visit: (OpaquePointer) -> Void = { node in
            let type = cmark_node_get_type(node)
            guard type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_HTML_INLINE else { return }
            found.append((Int(cmark_node_get_start_line(node)), Int(cmark_node_get_start_column(node))))
        }
        visit(root)
        walk(root, visit)
        return found
    }
}
