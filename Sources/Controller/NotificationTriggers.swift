import Foundation
import Reconcile

/// Which notifications are sent, by trigger name: `--notify-on`.
public struct NotificationTriggers: Sendable, Hashable {
    public let names: Set<String>

    public init(_ names: Set<String>) {
        self.names = names
    }

    /// Every trigger but `on-run-succeeded`, which is sent only when asked for.
    public static let standard = NotificationTriggers(
        Set(NotificationTrigger.allCases.map(\.rawValue) + RunEvent.Trigger.allCases.filter { $0 != .succeeded }.map(\.rawValue)))

    public func includes(_ trigger: String) -> Bool {
        names.contains(trigger)
    }

    /// `--notify-on` values (each a comma-separated list, the option repeatable) among `allowed`; the standard
    /// triggers when none is given. Refuses a name that is not a trigger, listing those there are.
    public static func parse(_ values: [String], allowed: [String]) throws(NotificationTriggersError) -> NotificationTriggers {
        let names = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty else { return NotificationTriggers(standard.names.intersection(allowed)) }
        for name in names where !allowed.contains(name) {
            throw NotificationTriggersError(message: "--notify-on: '\(name)' is not a trigger; the triggers are \(allowed.joined(separator: ", "))")
        }
        return NotificationTriggers(Set(names))
    }

    /// The triggers of run notifications: what `run` and `apply` send.
    public static var runTriggers: [String] { RunEvent.Trigger.allCases.map(\.rawValue) }

    /// The controller's triggers and the run triggers: what the controller sends.
    public static var controllerTriggers: [String] { NotificationTrigger.allCases.map(\.rawValue) + runTriggers }
}

/// A `--notify-on` value that names no trigger.
public struct NotificationTriggersError: Error, Sendable {
    public let message: String
}
