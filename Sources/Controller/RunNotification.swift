import Foundation
import DesiredTasks
import JSON
import Reconcile

/// A run event as a notification's JSON, and the redaction that comes before it: a job's Result may echo the
/// Request it was sent, secrets and all.
public enum RunNotification {
    /// `{"trigger", "time", "address", "runId", "slot", "attempt", "state", "result", "retryAt", "message"}`, every
    /// member present (null where the event has none), `time` when it is sent.
    public static func payload(_ event: RunEvent, time: String) -> JSONValue {
        let members: [(String, JSONValue)] = [
            ("trigger", .string(event.trigger.rawValue)), ("time", .string(time)), ("address", .string(event.address)),
            ("runId", event.runID.map { .int(Int64($0)) } ?? .null), ("slot", text(event.slot)),
            ("attempt", .int(Int64(event.attempt))), ("state", text(event.state)), ("result", text(event.result)),
            ("retryAt", text(event.retryAt)), ("message", .string(event.message)),
        ]
        return .object(.init(uniqueKeysWithValues: members))
    }

    /// Sends the notifications of `report`'s run events, each with its task's secrets (in `desired`) taken out, and
    /// waits for them to go out, at most `limit`: what `run` and `apply` do when they are done. Returns what did not
    /// go out, one line per receiver.
    public static func deliver(_ report: ApplyReport, desired: [String: DesiredTask], to urls: [String],
                               triggers: NotificationTriggers, within limit: Duration) async -> [String] {
        await Notifier.deliver(redacted(report.runEvents, desired: desired), to: urls, triggers: triggers, within: limit)
    }

    /// `event` with every secret `task` was sent taken out of its texts, as written and as JSON text writes it.
    public static func redacted(_ event: RunEvent, task: DesiredTask?) -> RunEvent {
        guard let task, !task.redactions.isEmpty else { return event }
        let secrets = forms(of: task.secretTexts)
        guard !secrets.isEmpty else { return event }
        func clean(_ text: String) -> String {
            var text = text
            for secret in secrets where text.contains(secret) {
                text = text.replacingOccurrences(of: secret, with: DesiredTask.sensitiveMarker)
            }
            return text
        }
        var event = event
        event.result = event.result.map(clean)
        event.state = event.state.map(clean)
        event.message = clean(event.message)
        return event
    }

    /// `events`, each redacted with the secrets of its task in `desired`, by address.
    public static func redacted(_ events: [RunEvent], desired: [String: DesiredTask]) -> [RunEvent] {
        events.map { redacted($0, task: desired[$0.address]) }
    }

    /// Each secret as it is and as the inside of a JSON string (a Result that quotes the Request), longest first.
    private static func forms(of secrets: [String]) -> [String] {
        var forms: Set<String> = []
        for secret in secrets where !secret.isEmpty {
            forms.insert(secret)
            let quoted = JSONValue.string(secret).serialized()
            forms.insert(String(quoted.dropFirst().dropLast()))
        }
        return forms.filter { !$0.isEmpty }.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    private static func text(_ value: String?) -> JSONValue {
        value.map(JSONValue.string) ?? .null
    }
}
