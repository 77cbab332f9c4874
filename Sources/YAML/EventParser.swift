import CYAML
import Diagnostics

/// Receives libyaml events one at a time; the pointer is valid only during the call.
protocol EventConsumer {
    mutating func handle(_ event: UnsafePointer<yaml_event_t>) throws(Diagnostic)
}

/// The one place that drives libyaml: owns the parser's lifetime and turns its errors into diagnostics.
enum EventParser {
    /// Feeds every event of `bytes` to `consumer`, ending with the stream end.
    static func parse<Consumer: EventConsumer>(
        _ bytes: [UInt8], file: String, into consumer: inout Consumer
    ) throws(Diagnostic) {
        // libyaml asserts on a null input pointer, which an empty array may have: an empty file has no events.
        guard !bytes.isEmpty else { return }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw Diagnostic.error(
                SourceLocation(file: file, line: 1, column: 1), "out of memory starting the YAML parser")
        }
        defer { yaml_parser_delete(&parser) }
        // libyaml reads from the buffer lazily, so the whole loop stays inside the pointer's lifetime.
        try bytes.withUnsafeBufferPointer { (buffer) throws(Diagnostic) in
            guard let base = buffer.baseAddress else { return }
            yaml_parser_set_input_string(&parser, base, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw diagnostic(for: parser, file: file, input: buffer)
                }
                defer { yaml_event_delete(&event) }
                let done = event.type == YAML_STREAM_END_EVENT || event.type == YAML_NO_EVENT
                try consumer.handle(&event)
                if done { break }
            }
        }
    }

    /// libyaml's problem at its mark, with the construct that was open ("while parsing a block mapping") and
    /// where it started, so the user sees both ends of an unclosed structure.
    private static func diagnostic(
        for parser: yaml_parser_t, file: String, input: UnsafeBufferPointer<UInt8>
    ) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        switch parser.error {
        case YAML_READER_ERROR:
            // Reader errors carry a byte offset rather than a mark.
            let location = locate(byteOffset: parser.problem_offset, in: input, file: file)
            var message = problem
            if parser.problem_value >= 0 {
                let hex = String(parser.problem_value, radix: 16, uppercase: true)
                message += " (byte 0x\(hex.count < 2 ? "0" + hex : hex))"
            }
            return .error(location, "\(message); the file must be UTF-8 (or UTF-16 with a byte order mark)")
        case YAML_MEMORY_ERROR:
            return .error(SourceLocation(file: file, line: 1, column: 1), "out of memory while parsing YAML")
        default:
            let location = location(of: parser.problem_mark, file: file)
            guard let context = parser.context.map({ String(cString: $0) }) else {
                return .error(location, problem)
            }
            let start = self.location(of: parser.context_mark, file: file)
            return .error(location, "\(problem) (\(context) that started at \(start))")
        }
    }

    /// libyaml marks are 0-based and count characters, which is what an editor's column shows after adding 1.
    @inline(__always)
    static func location(of mark: yaml_mark_t, file: String) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    /// Line and character column of a byte offset, for the reader errors that only report the offset.
    private static func locate(byteOffset: Int, in input: UnsafeBufferPointer<UInt8>, file: String) -> SourceLocation {
        let (line, column) = SourceLocation.lineAndColumn(ofByte: byteOffset, in: input)
        return SourceLocation(file: file, line: line, column: column)
    }
}
