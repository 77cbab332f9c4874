import JSON

/// One journal line: an intent, appended before its request goes out, or the outcome that answers it.
public enum JournalRecord: Sendable, Hashable {
    /// `slot` and `attempt` for a run: which slot it starts, and which attempt of it, so that recovery records
    /// a run it adopts as that run.
    case intent(sequence: Int, action: JournalAction, address: String, id: Int32?, fingerprint: String?, at: String,
                slot: String? = nil, attempt: Int = 1)
    case outcome(sequence: Int, address: String, result: JournalResult)

    /// Pairs an outcome with its intent; unique among the intents of one journal.
    public var sequence: Int {
        switch self {
        case .intent(let sequence, _, _, _, _, _, _, _), .outcome(let sequence, _, _): return sequence
        }
    }

    public var address: String {
        switch self {
        case .intent(_, _, let address, _, _, _, _, _), .outcome(_, let address, _): return address
        }
    }
}

extension JournalRecord {
    /// Compact JSON and a newline, handed to one write(2).
    func line() -> [UInt8] {
        var writer = JSONWriter()
        writer.bytes.reserveCapacity(256)
        writer.beginObject()
        switch self {
        case .intent(let sequence, let action, let address, let id, let fingerprint, let at, let slot, let attempt):
            writer.writeKey("record")
            writer.writeString("intent")
            writer.writeKey("sequence")
            writer.writeInt(Int64(sequence))
            writer.writeKey("action")
            writer.writeString(action.rawValue)
            writer.writeKey("address")
            writer.writeString(address)
            if let id {
                writer.writeKey("id")
                writer.writeInt(Int64(id))
            }
            if let fingerprint {
                writer.writeKey("fingerprint")
                writer.writeString(fingerprint)
            }
            writer.writeKey("at")
            writer.writeString(at)
            if let slot {
                writer.writeKey("slot")
                writer.writeString(slot)
            }
            if attempt != 1 {
                writer.writeKey("attempt")
                writer.writeInt(Int64(attempt))
            }
        case .outcome(let sequence, let address, let result):
            writer.writeKey("record")
            writer.writeString("outcome")
            writer.writeKey("sequence")
            writer.writeInt(Int64(sequence))
            writer.writeKey("address")
            writer.writeString(address)
            writer.writeKey("result")
            switch result {
            case .created(let entry), .updated(let entry):
                writer.writeString(result.name)
                writer.writeKey("entry")
                entry.write(to: &writer)
            case .moved(let destination):
                writer.writeString(result.name)
                writer.writeKey("to")
                writer.writeString(destination)
            case .failed(let message):
                writer.writeString(result.name)
                writer.writeKey("error")
                writer.writeString(message)
            case .deleted:
                writer.writeString(result.name)
            case .pending(let runs, let passed):
                writer.writeString(result.name)
                writer.writeKey("runs")
                writer.writeInline(PendingRun.json(runs))
                if let passed {
                    writer.writeKey("passed")
                    writer.writeString(passed)
                }
            }
        }
        writer.endObject()
        writer.bytes.append(0x0A)
        return writer.bytes
    }

    /// Members a newer version may add are ignored: the journal is short-lived, and recovery must not stall on it.
    init(json: JSONValue) throws(FormatError) {
        let reader = try FieldReader(json)
        let sequenceNumber = try reader.int("sequence")
        guard let sequence = Int(exactly: sequenceNumber) else {
            throw FormatError(path: ["sequence"], detail: "\(sequenceNumber) is out of range")
        }
        let address = try reader.string("address")
        let kind = try reader.string("record")
        switch kind {
        case "intent":
            let actionName = try reader.string("action")
            guard let action = JournalAction(rawValue: actionName) else {
                throw FormatError(path: ["action"], detail: "unknown action \"\(actionName)\"")
            }
            self = .intent(sequence: sequence, action: action, address: address, id: try reader.optionalInt32("id"),
                           fingerprint: try reader.optionalString("fingerprint"), at: try reader.string("at"),
                           slot: try reader.optionalString("slot"), attempt: try StateEntry.attempt(try reader.optionalInt("attempt")))
        case "outcome":
            let resultName = try reader.string("result")
            let result: JournalResult
            switch resultName {
            case "created", "updated":
                let entry: StateEntry
                do throws(FormatError) {
                    entry = try StateEntry(json: try reader.object("entry"), strict: false)
                } catch {
                    throw error.inside("entry")
                }
                result = resultName == "created" ? .created(entry) : .updated(entry)
            case "deleted": result = .deleted
            case "moved": result = .moved(to: try reader.string("to"))
            case "failed": result = .failed(try reader.string("error"))
            case "pending":
                do throws(FormatError) {
                    result = .pending(try PendingRun.list(try reader.required("runs")), passed: try reader.optionalString("passed"))
                } catch {
                    throw error.inside("runs")
                }
            default: throw FormatError(path: ["result"], detail: "unknown result \"\(resultName)\"")
            }
            self = .outcome(sequence: sequence, address: address, result: result)
        default:
            throw FormatError(path: ["record"], detail: "expected \"intent\" or \"outcome\", got \"\(kind)\"")
        }
    }

    /// The records of a journal file's bytes, and how many bytes they span. A line counts once its newline
    /// is written, so whatever follows the last newline is a record torn by a crash and is left out; a
    /// malformed line before that is an error.
    static func parseLines(_ bytes: [UInt8], path: String) throws(StateError) -> (records: [JournalRecord], completeLength: Int) {
        var records: [JournalRecord] = []
        var lineNumber = 0
        var start = 0
        var index = 0
        while index < bytes.count {
            guard bytes[index] == 0x0A else {
                index += 1
                continue
            }
            lineNumber += 1
            if index > start {
                do {
                    records.append(try JournalRecord(json: try JSONValue.parse(bytes[start..<index])))
                } catch let error as JSONError {
                    throw malformed(path: path, line: lineNumber, "column \(error.column): \(error.message)")
                } catch let error as FormatError {
                    throw malformed(path: path, line: lineNumber, error.message)
                } catch {
                    throw malformed(path: path, line: lineNumber, "\(error)")
                }
            }
            index += 1
            start = index
        }
        return (records, start)
    }

    private static func malformed(path: String, line: Int, _ detail: String) -> StateError {
        StateError.journalCorrupt(
            "\(path), line \(line), is not a journal record (\(detail)); the journal was not changed. "
                + "It holds the outcome of actions of an interrupted run: repair that line rather than delete the file")
    }
}

extension JournalResult {
    var name: String {
        switch self {
        case .created: return "created"
        case .updated: return "updated"
        case .deleted: return "deleted"
        case .moved: return "moved"
        case .failed: return "failed"
        case .pending: return "pending"
        }
    }
}
