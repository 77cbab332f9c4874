/// Thrown after a lost answer's connection was closed: the request's change is committed, and nothing may be
/// written back; Hummingbird's attempt to write a 500 then fails on the closed channel.
struct LostAnswer: Error {}
