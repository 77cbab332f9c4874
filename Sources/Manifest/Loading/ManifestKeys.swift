import BatchTask
import DesiredTasks

// The keys manifests may hold, with a line from manifest.md on each. The validator reads documents by these
// enums (its switches over them are exhaustive) and `ManifestSchema` describes the same cases, so a key added to
// one is in the other.

/// What a document that declares `apiVersion: batchctl/v1` is, by its `kind`.
public enum DocumentKind: String, CaseIterable, Sendable {
    case taskSet = "TaskSet"
    case project = "Project"

    /// The one apiVersion this batchctl reads.
    public static let apiVersion = "batchctl/v1"

    public var summary: String {
        switch self {
        case .taskSet: return "a set of batch tasks: vars, defaults, templates, and task entries expanded by their matrices"
        case .project: return "the project file batchctl.yaml: defaults for flags, read from the working directory"
        }
    }
}

/// A top-level key of a TaskSet document.
public enum TaskSetKey: String, CaseIterable, Sendable {
    case apiVersion, kind, metadata, vars, inputs, defaults, templates, tasks, moved, `import`

    public var summary: String {
        switch self {
        case .apiVersion: return "batchctl/v1: every document that declares it is read"
        case .kind: return "what the document is: TaskSet"
        case .metadata: return "the set's name (unique across everything loaded) and labels for --selector"
        case .vars: return "values usable as ${name}; vars may refer to other vars, and --var-file, BATCHCTL_VAR_<name> and --var override them"
        case .inputs: return "typed vars: each with a type, a default, a description, validation rules and sensitive; a value given for one is checked where it is given"
        case .defaults: return "BatchTaskInfo fields under every task of this set"
        case .templates: return "named partial tasks that tasks (and other templates) extend"
        case .tasks: return "the task entries: a key, BatchTaskInfo fields and the control keys"
        case .moved: return "renames without replacing the task: the state entry at from is carried to to at the next apply"
        case .import: return "tasks the API already holds, adopted at a key of this set by their id or exact Name at the next apply; once imported, an entry does nothing"
        }
    }
}

/// A key of a TaskSet's `metadata`.
public enum MetadataKey: String, CaseIterable, Sendable {
    case name, labels

    public var summary: String {
        switch self {
        case .name: return "the set's name: [a-z0-9][a-z0-9._-]{0,62}, unique across everything loaded; a task's address is <name>/<key>"
        case .labels: return "text labels of the set, for --selector key=value"
        }
    }
}

/// A lowercase key of a task entry that is not a BatchTaskInfo field.
public enum ControlKey: String, CaseIterable, Sendable {
    case key, extends, matrix, dependsOn, when, lifecycle, run

    /// Whether a template may carry the key; the others belong on tasks.
    public var isAllowedInTemplates: Bool {
        switch self {
        case .extends, .lifecycle, .run: return true
        case .key, .matrix, .dependsOn, .when: return false
        }
    }

    public var summary: String {
        switch self {
        case .key: return "the task's key, unique within its set; after expansion [A-Za-z0-9][A-Za-z0-9._-]{0,199}; the address is <set>/<key>"
        case .extends: return "a template name or a list of them, merged left to right before the task's own fields"
        case .matrix: return "axes (each a list, or an expression giving one) whose cartesian product makes one task per combination, less exclude, plus include"
        case .dependsOn: return "keys of the same set or addresses of another set (globs allowed) that apply submits first"
        case .when: return "an expression that must give a boolean; false drops the expanded task"
        case .lifecycle: return "preventDestroy, ignoreChanges and createBeforeDestroy"
        case .run: return "when a new run of the task starts (once, onChange, schedule), its schedule and time zone, the finished runs kept, concurrency, retries, a timeout, suspend, and a pause after repeated failures"
        }
    }

    static let names = allCases.map(\.rawValue)
    static let templateNames = allCases.filter(\.isAllowedInTemplates).map(\.rawValue)
}

/// A key of a `matrix` that is not an axis.
public enum MatrixKey: String, CaseIterable, Sendable {
    case exclude, include

    public var summary: String {
        switch self {
        case .exclude: return "partial mappings of axis values: a combination that matches every pair of an entry is dropped"
        case .include: return "whole extra combinations, appended after the product in their order; an axis an entry leaves out is undefined for that task"
        }
    }
}

/// A key of a `moved` entry.
public enum MoveKey: String, CaseIterable, Sendable {
    case from, to

    public var summary: String {
        switch self {
        case .from: return "the key (or address) the state entry has now"
        case .to: return "the key (or address) it moves to"
        }
    }
}

/// A key of an `import` entry.
public enum ImportKey: String, CaseIterable, Sendable {
    case to, id, name, matrix

    public var summary: String {
        switch self {
        case .to: return "the key of this set (or the address set/key) the task is adopted at"
        case .id: return "the task's id on the server; give id or name, not both"
        case .name: return "the task's Name, matched exactly; exactly one task may have it"
        case .matrix: return "axes like a task entry's matrix: one import per combination"
        }
    }

    static let names = allCases.map(\.rawValue)
}

extension Lifecycle.Key {
    public var summary: String {
        switch self {
        case .preventDestroy: return "a plan that would delete or replace this task is an error"
        case .ignoreChanges: return "fields whose changes (in manifests or live) plan and drift leave alone"
        case .createBeforeDestroy: return "on replace, create the new task before deleting the old one"
        }
    }
}

extension RunPolicy.Key {
    public var summary: String {
        switch self {
        case .when: return "once (the default: created once, updated in place), onChange (any change starts a new run), or schedule"
        case .schedule: return "five-field cron (minute hour day-of-month month day-of-week) or @daily-style macro; with when: schedule"
        case .timeZone: return "the IANA time zone of the schedule's wall clock (default UTC)"
        case .history: return "finished runs kept on the server and in the state besides the current one, 0 to 100 (default 5); older ones are deleted"
        case .concurrency: return "what a due run does while the current one is still running: forbid (default), allow, or replace"
        case .startingDeadline: return "a scheduled run missed by more than this (90s, 30m, 1h, 2d) is skipped and reported"
        case .retry: return "a run that ends Failed or times out starts again: {limit (0 to 100, default 0), backoff (default 1m), factor (default 2), maxBackoff (default 1h)}"
        case .timeout: return "a run still New, Aquired or Started this long (at least 1s: 90s, 30m, 1h) after it started is stopped and counts as failed"
        case .suspend: return "true: no scheduled run, retry or catch-up starts; the task stays registered and keeps its history"
        case .pauseAfterFailures: return "after this many consecutive failed runs (retries spent), 1 to 1000, a scheduled task is paused until `batchctl schedule resume`"
        case .catchUp: return "which missed slots start: latest (the default: the latest within startingDeadline) or all (every missed slot within it, at most 100, oldest first, each with its own ${run.slot})"
        }
    }
}

/// A key of a `run.retry` block.
public enum RetryKey: String, CaseIterable, Sendable {
    case limit, backoff, factor, maxBackoff

    public var summary: String {
        switch self {
        case .limit: return "retries after the first attempt, 0 to 100 (default 0: none); counted per scheduled slot"
        case .backoff: return "the wait before the first retry (default 1m; 90s, 30m, 1h)"
        case .factor: return "each later wait is the one before times this, at least 1 (default 2)"
        case .maxBackoff: return "no wait is longer than this (default 1h); not shorter than backoff"
        }
    }
}

extension FieldTyping {
    /// The names a field's value must be one of, for the fields that have them (State, CancellationBehaviour).
    static func allowedNames(of field: BatchTaskField) -> [String]? {
        switch field {
        case .state: return stateNames
        case .cancellationBehaviour: return cancellationBehaviourNames
        default: return nil
        }
    }

    private static let stateNames = BatchTaskState.taskStates.map(\.rawValue)
    private static let cancellationBehaviourNames = CancellationBehaviour.allCases.map(\.rawValue)
}
