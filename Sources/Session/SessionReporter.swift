import Reconcile

/// Hears what a front end's session noticed on the way; the front end decides how to show it.
public protocol SessionReporter: SessionObserver {
    /// A SuperOffice Online run signed in more than once: the ticket or access token expired during the run.
    func signedIn(to tenant: String, times count: Int)
    /// A signal arrived while the state's lock may be held (`SignalGuard`).
    func interrupted(_ event: Interruption)
}

/// What `SignalGuard` does about a signal, in the order a front end reports it.
public enum Interruption: Sendable, Hashable {
    /// The first signal while a plan is carried out: no new requests; those in flight finish.
    case stopping
    /// A second signal while a plan is carried out: the process leaves now.
    case leavingNow
    /// A signal at any other moment: the process leaves now.
    case leaving
    /// On the way out: whether the state's locks held were released in time.
    case locksReleased(Bool)
}
