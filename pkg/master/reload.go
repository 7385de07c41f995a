package master

import (
	"regexp"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
)

// Service lifecycle (master_service.c) and master.cf (re)loading
// (master_conf.c).

func (m *Master) startService(s *service) {
	if err := m.listen(s); err != nil {
		maillog.Fatal("%v", err)
	}
	m.statusInit(s)
	m.availListen(s)
	m.wakeupInit(s)
}

func (m *Master) stopService(s *service) {
	m.wakeupCleanup(s)
	m.statusCleanup(s)
	m.deleteChildren(s)
	s.listening = false
	s.closeListeners()
}

// restartService gives s a new status socket, so that its current
// children exit after their client, and restarts its wakeup timer.
func (m *Master) restartService(s *service, reload bool) {
	m.wakeupCleanup(s)
	m.statusCleanup(s)
	m.retireChildren(s)
	m.statusInit(s)
	m.wakeupInit(s)
	if reload {
		m.availListen(s)
	}
}

// retireChildren accounts for the children of s that lost their status
// socket: they accept no new client and exit after their current ones,
// so none of them is available any more. Each keeps its limit until it
// reports how many sessions it still serves (it does so when it sees the
// end-of-file, then as each ends; retiredStatus), so that a new child
// starts with the rest of the budget.
func (m *Master) retireChildren(s *service) {
	for _, c := range m.children {
		if c.serv != s {
			continue
		}
		if c.avail {
			s.avail--
			c.avail = false
		}
	}
}

// readEntries reads master.cf into services, skipping disabled ones;
// of two entries for one endpoint the last wins.
func (m *Master) readEntries() []*service {
	mf, err := config.ReadMaster(m.configPath("master.cf"))
	if err != nil {
		maillog.Fatal("%v", err)
	}
	m.masterWarnings(mf)
	var out []*service
	index := map[string]int{}
	for _, e := range mf.Services {
		if disabled(m.disable, e) {
			continue
		}
		ns, err := newService(m.env, e)
		if err != nil {
			maillog.Fatal("%v", err)
		}
		if i, dup := index[ns.key()]; dup {
			maillog.Warn("duplicate master.cf entry for service \"%s\" (%s) -- using the last entry", ns.extName, ns.name)
			out[i] = ns
			continue
		}
		index[ns.key()] = len(out)
		out = append(out, ns)
	}
	return out
}

var duplicateWarning = regexp.MustCompile(`duplicate master.cf entry for service "(.*)" \((.*)\)`)

// masterWarnings logs what the parser noticed; duplicates are logged as
// the master logs them, with the endpoint name.
func (m *Master) masterWarnings(mf *config.MasterFile) {
	for _, w := range mf.Warnings {
		d := duplicateWarning.FindStringSubmatch(w)
		if d == nil {
			maillog.Warn("%s", w)
			continue
		}
		for _, e := range mf.Services {
			if e.Name == d[1] && e.Type == d[2] && !disabled(m.disable, e) {
				if ns, err := newService(m.env, e); err == nil {
					maillog.Warn("duplicate master.cf entry for service \"%s\" (%s) -- using the last entry", ns.extName, ns.name)
				}
			}
		}
	}
}

// refresh applies master.cf (master_config, master_refresh): services
// with the same endpoint and type as before are updated in place and keep
// their endpoints; services no longer there are stopped; new ones are
// started last, so that a new service may take over the port of a
// removed one.
func (m *Master) refresh() {
	var added []*service
	kept := map[*service]bool{}
	for _, ns := range m.readEntries() {
		if s := m.find(ns.key()); s != nil {
			m.update(s, ns)
			kept[s] = true
		} else {
			added = append(added, ns)
		}
	}
	var services []*service
	for _, s := range m.services {
		if kept[s] {
			services = append(services, s)
		} else {
			m.stopService(s)
		}
	}
	m.services = services
	for _, ns := range added {
		m.services = append(m.services, ns)
		m.startService(ns)
	}
}

func (m *Master) find(key string) *service {
	for _, s := range m.services {
		if s.key() == key {
			return s
		}
	}
	return nil
}

// update gives a running service its new settings; its current children
// finish their client and exit, the next ones use the new settings.
func (m *Master) update(s, ns *service) {
	if s.typ == "inet" && m.env.interfaces != m.cfg.Get("inet_interfaces") {
		maillog.Warn("service %s: ignoring inet_interfaces change", s.extName)
		maillog.Warn("to change inet_interfaces, stop and start Postfix")
	}
	s.condWake, s.wakeup, s.maxProc, s.throttle = ns.condWake, ns.wakeup, ns.maxProc, ns.throttle
	s.extName, s.path, s.argv, s.stress = ns.extName, ns.path, ns.argv, ns.stress
	m.restartService(s, true)
}

// reload is the reaction to SIGHUP.
func (m *Master) reload() {
	maillog.Info("reload -- version %s, configuration %s", config.MailVersion, m.dir)
	m.readConfig()
	m.refresh()
	maillog.Init(m.cfg, "master")
	m.childEnv = m.childEnvironment()
}
