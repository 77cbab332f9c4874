/// A GitHub Actions workflow command read back the way the runner reads one: `::name k=v,k=v::message`, with the
/// runner's escapes undone (data: `%25` `%0D` `%0A`; properties also `%3A` `%2C`).
struct WorkflowCommand: Equatable {
    var name: String
    var properties: [String: String]
    var message: String

    /// Every workflow command in `output`; other lines are log text.
    static func parseAll(_ output: String) -> [WorkflowCommand] {
        output.split(separator: "\n", omittingEmptySubsequences: false).compactMap { parse(String($0)) }
    }

    static func parse(_ line: String) -> WorkflowCommand? {
        guard line.hasPrefix("::") else { return nil }
        let rest = line.dropFirst(2)
        guard let end = rest.range(of: "::") else { return nil }
        let head = rest[..<end.lowerBound]
        let message = unescape(String(rest[end.upperBound...]), property: false)
        let name: Substring
        var properties: [String: String] = [:]
        if let space = head.firstIndex(of: " ") {
            name = head[..<space]
            for pair in head[head.index(after: space)...].split(separator: ",") {
                guard let equals = pair.firstIndex(of: "=") else { return nil }
                properties[String(pair[..<equals])] = unescape(String(pair[pair.index(after: equals)...]), property: true)
            }
        } else {
            name = head
        }
        return WorkflowCommand(name: String(name), properties: properties, message: message)
    }

    /// Undoes the escapes in one pass, so `%250A` reads as `%0A`, not as a line break.
    static func unescape(_ text: String, property: Bool) -> String {
        var codes = ["%25": "%", "%0D": "\r", "%0A": "\n"]
        if property {
            codes["%3A"] = ":"
            codes["%2C"] = ","
        }
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "%", let end = text.index(index, offsetBy: 3, limitedBy: text.endIndex),
               let decoded = codes[String(text[index..<end])] {
                out += decoded
                index = end
            } else {
                out.append(text[index])
                index = text.index(after: index)
            }
        }
        return out
    }
}
