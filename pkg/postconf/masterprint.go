package postconf

import (
	"slices"
	"strings"

	"github.com/postern/postern/pkg/config/cstr"
)

// Printing master.cf entries, fields and parameters (postconf_master.c).

// masterColumns are the preferred columns of the eight fields of -M.
var masterColumns = [masterMinFields]int{0, 11, 17, 25, 33, 41, 49, 57}

// masterEntryText formats one entry as pcf_print_master_entry: the fields
// at their columns, then the arguments, with each "-o name=value" on its
// own line when folding (-f), and {} around values with white space.
func (s *session) masterEntryText(mode int, m *masterEnt) (string, error) {
	var b strings.Builder
	argv := m.argv
	lineLen := 0
	for field := 0; field < masterMinFields; field++ {
		if lineLen > 0 {
			for {
				b.WriteByte(' ')
				lineLen++
				if lineLen >= masterColumns[field] {
					break
				}
			}
		}
		b.WriteString(argv[field])
		lineLen += len(argv[field])
	}
	err := s.formatArgs(&b, mode, m, masterMinFields, lineLen, 3)
	b.WriteByte('\n')
	return b.String(), err
}

// formatArgs formats the command arguments from argv[field] on. optExtra
// is what an option with a value adds to its own length when deciding to
// fold (3 for -M, 1 for -F, as in Postfix).
func (s *session) formatArgs(b *strings.Builder, mode int, m *masterEnt, field, lineLen, optExtra int) error {
	argv := m.argv
	inOptions := true
	for ; field < len(argv); field++ {
		arg := argv[field]
		argLen := len(arg)
		aval, hasVal, parens := "", false, false
		if inOptions {
			if cstr.At(arg, 0) != '-' || arg == "--" {
				inOptions = false
			} else if daemonOptionWithValue(arg) && field+1 < len(argv) {
				aval, hasVal = argv[field+1], true
				lineLen = lineLimit
				if arg == "-o" && mode&showEval != 0 {
					v, err := s.expandValue(mode, aval, m)
					if err != nil {
						return err
					}
					aval = v
				}
				argLen += len(aval) + optExtra
				if parens = strings.ContainsAny(aval, masterBlanks); parens {
					argLen += 2
				}
			}
		} else {
			parens = strings.ContainsAny(arg, masterBlanks)
		}
		if lineLen > len(indentText) {
			if mode&foldLine == 0 || lineLen+1+argLen < lineLimit {
				b.WriteByte(' ')
				lineLen++
			} else {
				b.WriteString("\n" + indentText)
				lineLen = len(indentText)
			}
		}
		lineLen += writeBraced(b, arg, !inOptions && parens)
		if hasVal {
			b.WriteByte(' ')
			writeBraced(b, aval, parens)
			field++
			lineLen = lineLimit
		}
	}
	return nil
}

func writeBraced(b *strings.Builder, text string, braces bool) int {
	if !braces {
		b.WriteString(text)
		return len(text)
	}
	b.WriteString("{" + text + "}")
	return len(text) + 2
}

// masterFieldText formats one field as pcf_print_master_field:
// "service/type/field = value".
func (s *session) masterFieldText(mode int, m *masterEnt, field int) (string, error) {
	var b strings.Builder
	argv := m.argv
	lineLen := 0
	if mode&hideName == 0 {
		b.WriteString(argv[0] + "/" + argv[1] + "/" + fieldNames[field])
		lineLen = b.Len()
	}
	if mode&(hideName|hideValue) == 0 {
		b.WriteString(" = ")
		lineLen += 3
	}
	if mode&hideValue == 0 {
		if lineLen > 0 && lineLen+len(argv[field]) > lineLimit {
			b.WriteString("\n" + indentText)
			lineLen = len(indentText)
		}
		b.WriteString(argv[field])
		lineLen += len(argv[field])
	}
	var err error
	if field == fldCmd && mode&hideValue == 0 {
		err = s.formatArgs(&b, mode, m, fldCmd+1, lineLen, 1)
	}
	b.WriteByte('\n')
	return b.String(), err
}

// printMasterParam prints "service/type/name = value" (pcf_print_master_param).
func (s *session) printMasterParam(mode int, m *masterEnt, name, value string) error {
	if mode&hideValue != 0 {
		s.printLine(mode, m.nameSpace+"/"+name)
		return nil
	}
	if mode&showEval != 0 {
		v, err := s.expandValue(mode, value, m)
		if err != nil {
			return err
		}
		value = v
	}
	if mode&hideName == 0 {
		s.printLine(mode, m.nameSpace+"/"+name+" = "+value)
	} else {
		s.printLine(mode, value)
	}
	return nil
}

// printMasterAnyParam prints all -o settings of an entry, sorted by name.
func (s *session) printMasterAnyParam(mode int, m *masterEnt) error {
	names := m.allParams.keys()
	slices.Sort(names)
	for _, name := range names {
		value, _ := m.allParams.get(name)
		if err := s.printMasterParam(mode, m, name, value); err != nil {
			return err
		}
	}
	return nil
}
