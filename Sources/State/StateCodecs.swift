import JSON

/// The forms a backend other than the file keeps the state's parts in: each entry, lock holder and journal record
/// as the JSON the file holds, so that whatever one backend writes another reads back the same.
extension StateEntry {
    /// The entry as the state file writes it under its address.
    public func encoded() -> [UInt8] {
        var writer = JSONWriter(sortedKeys: true)
        write(to: &writer)
        return writer.bytes
    }

    /// An entry `encoded()` wrote; `place` names where it came from in the error.
    public static func decode(_ bytes: [UInt8], place: String) throws(StateError) -> StateEntry {
        do {
            let (value, captured) = try JSONValue.parse(bytes, capturing: "applied", atDepth: 1)
            return try StateEntry(json: value, strict: true, captured: captured)
        } catch let error as FormatError {
            throw StateError.corrupt("\(place) is not a valid state entry (\(error.message)); it was not changed")
        } catch {
            throw StateError.corrupt("\(place) is not valid JSON (\(error)); it was not changed")
        }
    }
}

extension PendingRun {
    /// An address's pending runs as the state file writes them under `pending`.
    public static func encoded(_ runs: [PendingRun]) -> [UInt8] {
        json(runs).serializedBytes(sortedKeys: true)
    }

    /// Pending runs `encoded(_:)` wrote; `place` names where they came from in the error.
    public static func decode(_ bytes: [UInt8], place: String) throws(StateError) -> [PendingRun] {
        do {
            return try list(try JSONValue.parse(bytes))
        } catch let error as FormatError {
            throw StateError.corrupt("\(place) is not a list of pending runs (\(error.message)); it was not changed")
        } catch {
            throw StateError.corrupt("\(place) is not valid JSON (\(error)); it was not changed")
        }
    }
}

extension LockInfo {
    /// The holder as the lock file writes it.
    public func encoded() -> [UInt8] {
        json.serializedBytes(sortedKeys: true)
    }

    public static func decode(_ bytes: [UInt8], place: String) throws(StateError) -> LockInfo {
        do {
            return try LockInfo(json: try JSONValue.parse(bytes))
        } catch {
            throw StateError.corrupt("\(place) does not name its holder readably")
        }
    }
}

extension JournalRecord {
    /// One journal line, without its line break.
    public func encoded() -> [UInt8] {
        var line = line()
        if line.last == 0x0A { line.removeLast() }
        return line
    }

    /// A record `encoded()` wrote.
    public static func decode(_ bytes: [UInt8], place: String) throws(StateError) -> JournalRecord {
        do {
            return try JournalRecord(json: try JSONValue.parse(bytes))
        } catch let error as FormatError {
            throw StateError.journalCorrupt("\(place) is not a journal record (\(error.message))")
        } catch {
            throw StateError.journalCorrupt("\(place) is not a journal record (\(error))")
        }
    }
}

extension JournalRecord {
    /// The same record under another sequence number: records of several runs read together are numbered apart.
    public func renumbered(_ sequence: Int) -> JournalRecord {
        switch self {
        case .intent(_, let action, let address, let id, let fingerprint, let at, let slot, let attempt):
            return .intent(sequence: sequence, action: action, address: address, id: id, fingerprint: fingerprint, at: at,
                           slot: slot, attempt: attempt)
        case .outcome(_, let address, let result):
            return .outcome(sequence: sequence, address: address, result: result)
        }
    }
}
