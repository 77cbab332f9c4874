/// What the API does when asked to stop a task's job (BatchTaskInfo.CancellationBehaviour).
public enum CancellationBehaviour: String, Sendable, CaseIterable {
    case canCancel = "CanCancel"
    case cancelWithWarning = "CancelWithWarning"
    case cannotCancel = "CannotCancel"
}

extension BatchTaskInfo {
    /// The job may be stopped: its behaviour is `CanCancel` or `CancelWithWarning`. A name the API does not define
    /// is taken as `CannotCancel`, which never stops a job that was not meant to be stopped.
    public var canBeStopped: Bool {
        switch cancellationBehaviour.flatMap(CancellationBehaviour.init(rawValue:)) {
        case .canCancel, .cancelWithWarning: return true
        case .cannotCancel, nil: return false
        }
    }
}
