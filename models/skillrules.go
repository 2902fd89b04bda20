package models

import (
	"fmt"
	"strings"
)

// The grammar of one skill rule (Asterisk's queue skills, as XiVO configured them):
//
//	rule       = [ condition "," ] expression
//	condition  = expression            (over the call's dynamic values, such as WT < 60)
//	expression = term { "|" term }
//	term       = factor { "&" factor }
//	factor     = "!" factor | "(" expression ")" | operand [ operator operand ]
//	operand    = name | number | "$" name
//	operator   = "<" | ">" | "=" | "!=" | "<=" | ">="
//
// A name is letters, digits, "_" and "-" (a skill, or WT/EPT in a condition); "$name" is a
// channel variable set when the call enters the queue. Blanks separate tokens.

// SkillRuleError says where a rule stops making sense: Pos is the 1-based character.
type SkillRuleError struct {
	Pos int
	Msg string
}

func (e *SkillRuleError) Error() string {
	return fmt.Sprintf("does not parse at position %d: %s", e.Pos, e.Msg)
}

// ParseSkillRule checks one rule against the grammar; a *SkillRuleError says where it fails.
func ParseSkillRule(rule string) error {
	p := &ruleParser{src: []rune(rule)}
	p.skip()
	if p.at() == 0 {
		return &SkillRuleError{Pos: 1, Msg: "the rule is empty"}
	}
	if err := p.expression(); err != nil {
		return err
	}
	if p.at() == ',' {
		p.pos++
		p.skip()
		if err := p.expression(); err != nil {
			return err
		}
	}
	if p.at() != 0 {
		return p.fail("expected an operator (& | < > = != <= >=), \",\" or the end of the rule")
	}
	return nil
}

type ruleParser struct {
	src   []rune
	pos   int
	depth int
}

func (p *ruleParser) at() rune {
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *ruleParser) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *ruleParser) fail(msg string) error {
	found := "the end of the rule"
	if c := p.at(); c != 0 {
		found = fmt.Sprintf("%q", c)
	}
	return &SkillRuleError{Pos: p.pos + 1, Msg: msg + ", found " + found}
}

func (p *ruleParser) expression() error {
	if err := p.term(); err != nil {
		return err
	}
	for p.at() == '|' {
		p.pos++
		p.skip()
		if err := p.term(); err != nil {
			return err
		}
	}
	return nil
}

func (p *ruleParser) term() error {
	if err := p.factor(); err != nil {
		return err
	}
	for p.at() == '&' {
		p.pos++
		p.skip()
		if err := p.factor(); err != nil {
			return err
		}
	}
	return nil
}

func (p *ruleParser) factor() error {
	switch p.at() {
	case '!':
		if p.pos+1 < len(p.src) && p.src[p.pos+1] == '=' {
			return p.fail("expected a skill, a number, a $variable, \"!\" or \"(\"")
		}
		p.pos++
		p.skip()
		return p.factor()
	case '(':
		if p.depth++; p.depth > 32 {
			return p.fail("parentheses nest deeper than 32")
		}
		p.pos++
		p.skip()
		if err := p.expression(); err != nil {
			return err
		}
		if p.at() != ')' {
			return p.fail("expected \")\"")
		}
		p.depth--
		p.pos++
		p.skip()
		return nil
	}
	if err := p.operand(); err != nil {
		return err
	}
	if p.operator() {
		return p.operand()
	}
	return nil
}

func (p *ruleParser) operand() error {
	start := p.pos
	if p.at() == '$' {
		p.pos++
	}
	nameStart := p.pos
	for p.pos < len(p.src) && isRuleNameChar(p.src[p.pos]) {
		p.pos++
	}
	if p.pos == nameStart {
		p.pos = start
		return p.fail("expected a skill, a number, a $variable, \"!\" or \"(\"")
	}
	p.skip()
	return nil
}

func (p *ruleParser) operator() bool {
	c := p.at()
	next := rune(0)
	if p.pos+1 < len(p.src) {
		next = p.src[p.pos+1]
	}
	switch {
	case (c == '<' || c == '>' || c == '!') && next == '=':
		p.pos += 2
	case c == '<' || c == '>' || c == '=':
		p.pos++
	default:
		return false
	}
	p.skip()
	return true
}

func isRuleNameChar(c rune) bool {
	return c == '_' || c == '-' || c == '.' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// SplitSkillRules reads XiVO's stored form of a rule list: rules joined with ";".
func SplitSkillRules(s string) []string {
	out := []string{}
	for _, r := range strings.Split(s, ";") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}
