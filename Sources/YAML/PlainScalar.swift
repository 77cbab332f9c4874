extension Scalar {
    /// `text` as a plain scalar written in a document: its value resolved by the core schema (`8` an integer,
    /// `true` a boolean, `~` null, anything else the text itself), whatever characters it holds.
    public static func plain(_ text: String) -> Scalar {
        var bytes = Array(text.utf8)
        let resolved = bytes.withUnsafeMutableBufferPointer { buffer in
            CoreSchema.resolvePlain(UnsafeBufferPointer(buffer), text: text)
        }
        return Scalar(text: text, style: .plain, resolved: resolved)
    }
}
