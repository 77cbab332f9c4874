import OrderedCollections

/// The evaluated arguments of one call of a built-in function, and whether anything the function read from them
/// was sensitive (its result then is too).
package struct FunctionArguments {
    package let function: Function
    package let values: [Value]
    /// Where the call is written, for errors.
    package let offset: Int
    /// True once the function has read a sensitive argument through `plain`, `text` or `mapping`.
    package var isSensitive = false

    package init(function: Function, values: [Value], offset: Int) {
        self.function = function
        self.values = values
        self.offset = offset
    }

    package var count: Int { values.count }

    /// Argument `index` without its secrecy marker, noting the secrecy.
    package mutating func plain(_ index: Int) -> Value {
        let (inner, isSecret) = values[index].revealed
        isSensitive = isSensitive || isSecret
        return inner
    }

    /// Argument `index` as text; `role` names it in the error for anything else.
    package mutating func text(_ index: Int, _ role: String) throws(ExpressionError) -> String {
        let value = plain(index)
        guard case .string(let s) = value else { throw failure("takes text as its \(role), not \(Function.described(value))") }
        return s
    }

    /// Argument `index` as a mapping.
    package mutating func mapping(_ index: Int) throws(ExpressionError) -> OrderedDictionary<String, Value> {
        let value = plain(index)
        guard case .map(let entries) = value else {
            let merging = function == .merge
            throw failure("takes \(merging ? "mappings" : "a mapping first"), not \(Function.described(value))\(merging ? " (argument \(index + 1))" : "")")
        }
        return entries
    }

    /// An error that names the function: "replace() needs a text to find that is not empty".
    package func failure(_ message: String) -> ExpressionError {
        ExpressionError(offset: offset, message: "\(function.rawValue)() \(message)")
    }
}
