/// Plain text tables with columns padded to their widest cell; the last column is not padded.
enum TableRendering {
    /// Cells are escaped for the terminal (`TerminalText`): a table shows names and descriptions from manifests
    /// and servers. A caller that colours cells escapes what it puts in them itself, and passes `escaping: false`.
    static func render(header: [String], rows: [[String]], escaping: Bool = true) -> String {
        let rows = escaping ? rows.map { $0.map(TerminalText.escape) } : rows
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], cell.count)
            }
        }
        var text = ""
        for row in [header] + rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                if i == row.count - 1 {
                    line += cell
                } else {
                    line += cell + String(repeating: " ", count: widths[i] - cell.count + 2)
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            text += line + "\n"
        }
        return text
    }

    /// The first two items and a count of the rest, so one long list does not widen a whole column.
    static func abbreviated(_ items: [String]) -> String {
        guard items.count > 2 else { return items.joined(separator: ", ") }
        return items.prefix(2).joined(separator: ", ") + " +\(items.count - 2) more"
    }
}
