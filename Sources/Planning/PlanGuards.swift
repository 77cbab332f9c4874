import Diagnostics
import DesiredTasks
import State

/// The guards every plan that deletes passes, whichever front end made it: destroy, apply and the controller
/// refuse alike.
extension Planner {
    /// Deleting all, or more than half, of the managed tasks is most likely a mistake (a manifest folder not
    /// given), so it needs saying so.
    static func massDelete(_ deletes: Int, managed: Int, allowed: Bool) -> String? {
        guard deletes > 0 && !allowed && (deletes == managed || deletes * 2 > managed) else { return nil }
        return "this plan would delete \(deletes) of the \(managed) managed tasks; if that is what you want, add --allow-mass-delete"
    }

    /// One refusal for each task `actions` would delete whose manifest says `lifecycle.preventDestroy`, at that
    /// task's entry, naming how to leave it out; `actor` is who would delete it ("destroy", "this plan").
    static func protectedDeletes(_ actions: [PlannedAction], desired: [DesiredTask], by actor: String) -> [PlanningError.Problem] {
        // A deposed entry is the old copy a create-before-destroy replace left: deleting it is what protection wants.
        let doomed = Set(actions.lazy.filter { $0.kind == .delete && !StateAddress.isDeposed($0.address) }.map(\.address))
        guard !doomed.isEmpty else { return [] }
        return desired.filter { $0.lifecycle.preventDestroy && doomed.contains($0.address) }.map { task in
            .init("\(actor) would delete \(task.address), whose manifest says lifecycle.preventDestroy; "
                + "leave it out with --exclude \(task.address), or remove preventDestroy from the manifest first; nothing was deleted",
                  at: task.source)
        }
    }
}
