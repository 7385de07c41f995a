// Package addr is Postfix's RFC 822 address toolkit (global/tok822*.c,
// quote_822_local.c): the tokenizer, the parser that finds the
// addresses in a list, the internal (unquoted) and external (quoted)
// forms, and local-part quoting. Every Postern program that reads an
// address the way Postfix does uses it: smtpd (MAIL FROM, RCPT TO),
// sendmail (arguments, -t headers), trivial-rewrite (pkg/resolve), the
// aliases(5) reader and address lookups (pkg/dict), local(8) (alias
// values, .forward lines), and the quoting of envelope addresses in
// showq, smtp (ORCPT) and the delivery agents.
//
// Tokens (tok822_scan): white space separates tokens and is dropped; a
// comment "(...)" nests and is kept in its external form; a quoted
// string "..." and a domain literal [...] keep their content, a
// backslash quoting the next byte and white space inside becoming a
// blank; the operators are "|%!" and the RFC 822 specials
// ()<>@,;:\".[]; anything else is an atom, which becomes a quoted
// string when it holds a blank, a control character or an operator
// (tok822_quote_atom). 8-bit bytes are ordinary atom text. Scan returns
// the flat token list that trivial-rewrite and the aliases reader work
// on (Tokens).
//
// Parse (tok822_parse) groups the tokens of an address list into
// Address nodes, right to left as Postfix does, so that the same input
// yields the same addresses: "Name <addr>", "group: a, b;", comments
// moved aside, and a comma inserted where one address ends without one
// ("a b" is two addresses). Parser reuses its node storage between
// calls, so that smtpd parses without allocating once warmed up.
//
// Internal forms drop the quotes (tok822_internalize); external forms
// quote quoted strings and the local part of each address
// (tok822_externalize without the 250-byte guard of header rewriting).
// QuoteLocal and UnquoteLocal are quote_822_local() and
// unquote_822_local() for a whole address.
//
// This is a data-layer package: it imports the standard library only.
// It never fails: like Postfix's, the parser keeps what it does not
// understand and never throws input away.
package addr
