import BatchTask
import Schedule

/// The time zone a request's dates are read in and its answer's dates written in (api.md v3, "Dates and time
/// zones"): the `SO-TimeZone` header's zone, else the server's base zone. Dates are stored as instants, in UTC
/// text with seven fraction digits, so that any zone can be written back exactly.
struct RequestTimeZone: Sendable, Equatable {
    /// The zone of the request: the header's, or the base zone without one.
    var zone: SuperOfficeTimeZone
    /// `, includeTZOffset`: answers carry the offset (`-0500`).
    var includesOffset: Bool
    /// The server's base time zone, in which a stored date without an offset (a row an older emulator kept
    /// verbatim) is wall time.
    var base: SuperOfficeTimeZone

    /// api.md v3: "Without `SO-TimeZone`, dates are read and written as base-zone wall time, without an offset".
    /// An empty header counts as none; an unknown zone is a 400 with the error body (api.md v3: "an unknown zone
    /// is a 400 with the error body").
    static func of(header: String?, base: SuperOfficeTimeZone) throws(APIError) -> RequestTimeZone {
        let text = header?.trimmingASCIIWhitespace() ?? ""
        guard !text.isEmpty else { return RequestTimeZone(zone: base, includesOffset: false, base: base) }
        guard let parsed = TimeZoneHeader(text) else {
            throw .badRequest(
                "SO-TimeZone \"\(text.prefix(60))\" is not a known time zone; use a SuperOffice code or id (\(SuperOfficeTimeZone.knownList)), "
                    + "an IANA name such as Europe/Oslo or an offset such as +02:00, optionally followed by \", includeTZOffset\"")
        }
        return RequestTimeZone(zone: parsed.zone, includesOffset: parsed.includesOffset, base: base)
    }

    // MARK: Reading

    /// A date of the request as an instant. api.md v3: "dates in the request are read as New York wall time (a
    /// date with its own offset or `Z` is converted from that)"; nil for text that is no date.
    func instant(_ text: String) -> DotNetDate? {
        let zone = self.zone
        return DotNetDate(text, wallTimeOffset: { zone.offsetMinutes(forWallTicks: $0) })
    }

    /// The dates of a request's BatchTaskInfo as the store keeps them: instants in UTC. Created is read like any
    /// other date of the request (our reading: the reference's "Created and Updated are always UTC" is about what
    /// the server writes; a client that sends Created without an offset means the zone it asked for).
    func reading(_ info: BatchTaskInfo) throws(APIError) -> BatchTaskInfo {
        var info = info
        info.created = try stored(info.created, .created)
        info.lastStarted = try stored(info.lastStarted, .lastStarted)
        return info
    }

    private func stored(_ text: String?, _ field: BatchTaskField) throws(APIError) -> String? {
        guard let text else { return nil }
        guard let date = instant(text) else {
            throw .badRequest("\(field.rawValue): expected a date-time such as 2018-06-01T14:34:02, got \"\(text.prefix(60))\"")
        }
        return date.converted(toOffsetMinutes: 0).text
    }

    // MARK: Writing

    /// A stored date as an instant: UTC text as the emulator writes it, or (rows an older emulator kept verbatim)
    /// any form, wall time in the base zone when it has no offset.
    func storedInstant(_ text: String) -> DotNetDate? {
        let base = self.base
        return DotNetDate(text, wallTimeOffset: { base.offsetMinutes(forWallTicks: $0) })
    }

    /// A stored date written for the answer. api.md v3: dates are "written in the time zone the request asks for,
    /// without an offset unless `includeTZOffset` is asked for", the offset "written without a colon:
    /// `2018-12-24T07:34:45-0500`"; "Fractional seconds appear with up to 7 digits or not at all".
    func written(_ text: String) -> String {
        guard let date = storedInstant(text) else { return text }
        let local = date.converted(toOffsetMinutes: zone.offsetMinutes(atTicks: date.ticksSince1970))
        return local.text(includesOffset ? .compact : .wallTime)
    }

    /// Created written for the answer. api.md v3: "Created (and the Web API's Updated) are always UTC, whatever the
    /// header says; with `includeTZOffset` they are tagged as UTC": our reading of "tagged as UTC" is a `Z`.
    func writtenCreated(_ text: String) -> String {
        guard let date = storedInstant(text) else { return text }
        let utc = date.converted(toOffsetMinutes: 0).text(.wallTime)
        return includesOffset ? utc + "Z" : utc
    }

    /// The task with its dates written for the answer.
    func writing(_ task: BatchTaskInfo) -> BatchTaskInfo {
        var task = task
        task.created = task.created.map(writtenCreated)
        task.lastStarted = task.lastStarted.map(written)
        return task
    }
}
