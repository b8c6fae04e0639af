/// Heading anchors: stable slugs that keep Thai (and any other script) readable.
public enum Anchors {
    /// The slug of `text`: lowercased letters, digits and combining marks (Thai vowels and tone
    /// marks), words joined by `-`, punctuation dropped; `section` when nothing is left.
    public static func slug(_ text: String) -> String {
        var slug = String.UnicodeScalarView()
        var pendingDash = false
        for scalar in text.lowercased().unicodeScalars {
            let properties = scalar.properties
            let category = properties.generalCategory
            if properties.isAlphabetic || properties.numericType != nil || scalar == "_"
                || category == .nonspacingMark || category == .spacingMark
            {
                if pendingDash, !slug.isEmpty { slug.append("-") }
                pendingDash = false
                slug.append(scalar)
            } else if properties.isWhitespace || scalar == "-" {
                pendingDash = true
            }
        }
        return slug.isEmpty ? "section" : String(slug)
    }

    /// Slugs made unique in order: a repeat gets `-1`, `-2`, … (as GitHub does); `reserved` names
    /// (such as cell ids) are never used.
    public static func unique(_ texts: [String], reserved: Set<String> = []) -> [String] {
        var used = reserved
        return texts.map { text in
            let base = slug(text)
            var candidate = base
            var counter = 0
            while used.contains(candidate) {
                counter += 1
                candidate = "\(base)-\(counter)"
            }
            used.insert(candidate)
            return candidate
        }
    }
}
