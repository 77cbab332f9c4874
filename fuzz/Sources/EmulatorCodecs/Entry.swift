import Schedule

/// The emulator's decoders of client input, as the fuzz target calls them. The other files of this module are
/// links to the emulator's own sources.
public enum EmulatorCodecs {
    /// An OData `$filter`, parsed and compiled to SQL as the task list does.
    public static func filter(_ text: String) {
        guard let expression = try? FilterParser.parse(text) else { return }
        _ = try? expression.compiled(in: RequestTimeZone(zone: .utc, includesOffset: false, base: .utc))
    }

    /// An XML BatchTaskInfo body and an XML agent-arguments body.
    public static func xml(_ bytes: [UInt8]) {
        _ = try? BatchTaskXMLDecoder.object(from: bytes)
        _ = try? BatchTaskXMLDecoder.arguments(from: bytes)
    }

    /// A form-encoded body, as a BatchTaskInfo and as agent arguments.
    public static func form(_ text: String) {
        guard let pairs = try? FormURLEncoding.formPairs(Substring(text)) else { return }
        _ = try? FormURLEncoding.batchTaskObject(pairs)
        _ = try? FormURLEncoding.agentArguments(pairs)
    }
}
