import Foundation

/// Asks for `yes` on the terminal.
enum Confirmation {
    static func ask(_ question: String) throws {
        guard Terminal.isTerminal(0) else {
            throw CommandFailure("not asking for confirmation without a terminal: add --auto-approve to apply anyway")
        }
        Terminal.out("\(question) Only 'yes' will be accepted: ")
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
            throw CommandFailure("cancelled; nothing was changed")
        }
    }
}
