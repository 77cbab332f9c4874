import Foundation
import Manifest

/// Task keys made from Names: lower-case words joined by `-`, unique within the set, valid as manifest.md's keys
/// (`[A-Za-z0-9][A-Za-z0-9._-]{0,199}`).
public enum TaskKeys {
    /// Keys longer than this are cut at a word, so a long Name still gives a readable key.
    static let maximumLength = 60

    /// The key a Name gives: its letters and digits (accents folded, everything else a separator) as lower-case
    /// words joined by `-`; `task-<id>` when the Name has none.
    public static func base(name: String?, id: Int32) -> String {
        var words = slugWords(name ?? "")
        while words.count > 1 && words.joined(separator: "-").count > maximumLength { words.removeLast() }
        let key = String(words.joined(separator: "-").prefix(maximumLength))
        return key.isEmpty ? "task-\(id.magnitude)" : key
    }

    /// Lower-case ASCII words of a text: what stays of it in a key.
    static func slugWords(_ text: String) -> [String] {
        let folded = text.folding(options: [.diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
        var words: [String] = []
        var current = ""
        for scalar in folded.unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if let letters = unaccented[scalar] {
                current += letters
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Latin letters that folding accents leaves as they are (they are letters of their own, not accented ones).
    private static let unaccented: [Unicode.Scalar: String] = [
        "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i",
    ]

    /// `slugWords` joined by `-`.
    static func slug(_ text: String) -> String {
        slugWords(text).joined(separator: "-")
    }

    /// A key for each task, in the order given: tasks whose Names give the same key get their id after it
    /// (`nightly-report-12`), and a key that still collides gets `-2`, `-3`, ... in that order. The same tasks
    /// always get the same keys.
    public static func unique(_ tasks: [(id: Int32, name: String?)]) -> [String] {
        let bases = tasks.map { base(name: $0.name, id: $0.id) }
        var counts: [String: Int] = [:]
        for key in bases { counts[key, default: 0] += 1 }
        var used: Set<String> = []
        var keys: [String] = []
        for (index, task) in tasks.enumerated() {
            let candidate = counts[bases[index], default: 0] > 1 ? "\(bases[index])-\(task.id.magnitude)" : bases[index]
            var key = candidate
            var suffix = 2
            while used.contains(key) {
                key = "\(candidate)-\(suffix)"
                suffix += 1
            }
            used.insert(key)
            keys.append(key)
        }
        return keys
    }

    /// Whether a text is a key as manifest.md defines it.
    public static func isValid(_ key: String) -> Bool { TaskAddress.isValidKey(key) }
}
