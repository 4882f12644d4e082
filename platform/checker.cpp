#include "platform/checker.hpp"

#include "models/common/sim_error.hpp"

#include <set>
#include <sstream>

namespace smp {

std::string CoherenceChecker::check_line(Addr paddr) const {
    const unsigned bits = log2_floor(static_cast<std::uint64_t>(m_sys.config().l1d.line));
    const Addr line = paddr >> bits;
    unsigned writers = 0, readers = 0;
    std::ostringstream where;
    std::vector<bool> socket_holds(static_cast<std::size_t>(m_sys.config().topology.sockets), false);
    for (const auto& a : m_sys.agents()) {
        mesi::State top = mesi::State::I;
        const mesi::State own = a.agent->state_of(line);
        for (const Cache* c : a.hierarchy) {
            const mesi::State s = c->state_of(line);
            if (static_cast<int>(s) > static_cast<int>(top)) top = s;
            if (c != a.agent && s != mesi::State::I) {
                if (a.agent->config().inclusive && own == mesi::State::I) {
                    return std::string("inclusion: ") + c->name() + " holds the line in " +
                           mesi::name(s) + " but " + a.agent->name() + " does not";
                }
                if (own == mesi::State::S && mesi::is_exclusive(s)) {
                    return std::string("permission: ") + c->name() + " holds " + mesi::name(s) +
                           " above " + a.agent->name() + " in S";
                }
            }
        }
        if (a.agent->coherent_uppers()) { // the cluster's caches among themselves
            unsigned up_writers = 0, up_readers = 0;
            for (const Cache* c : a.hierarchy) {
                if (c == a.agent) continue;
                const mesi::State s = c->state_of(line);
                if (mesi::is_exclusive(s)) ++up_writers;
                else if (s == mesi::State::S) ++up_readers;
            }
            if (up_writers > 1 || (up_writers == 1 && up_readers > 0)) {
                return std::string("single-writer/multiple-reader violated above ") +
                       a.agent->name();
            }
        }
        if (top != mesi::State::I) {
            socket_holds[a.socket] = true;
            where << ' ' << a.agent->name() << '=' << mesi::name(top);
        }
        if (mesi::is_exclusive(top)) ++writers;
        else if (top == mesi::State::S) ++readers;
    }
    if (writers > 1 || (writers == 1 && readers > 0)) {
        return "single-writer/multiple-reader violated:" + where.str();
    }
    const auto llcs = m_sys.llcs();
    for (std::size_t s = 0; s < llcs.size(); ++s) {
        if (llcs[s]->config().inclusive && socket_holds[s] &&
            llcs[s]->state_of(line) == mesi::State::I) {
            return std::string("inclusion: ") + llcs[s]->name() + " lacks a line held above:" +
                   where.str();
        }
    }
    return "";
}

void CoherenceChecker::watch(std::function<void(const std::string&)> on_violation) {
    for (SnoopBus* bus : m_sys.buses()) {
        bus->set_observer([this, on_violation](Addr paddr) {
            if (m_reported) return;
            const std::string err = check_line(paddr);
            if (err.empty()) return;
            m_reported = true;
            std::ostringstream os;
            os << "coherence check failed at cycle " << m_sys.clock().now_cycles() << ", line 0x"
               << std::hex << paddr << ": " << err;
            on_violation(os.str());
            sc_core::sc_stop();
        });
    }
}

std::uint64_t CoherenceChecker::check_all() const {
    const unsigned bits = log2_floor(static_cast<std::uint64_t>(m_sys.config().l1d.line));
    std::set<Addr> lines;
    for (const auto& ci : m_sys.caches()) {
        const TagArray& t = ci.cache->tags();
        for (std::uint64_t s = 0; s < t.sets(); ++s) {
            for (std::uint32_t w = 0; w < t.ways(); ++w) {
                if (t.at(s, w).valid()) lines.insert(t.line_at(s, w));
            }
        }
    }
    for (Addr l : lines) {
        const std::string err = check_line(l << bits);
        if (!err.empty()) {
            std::ostringstream os;
            os << "coherence check failed at line 0x" << std::hex << (l << bits) << ": " << err;
            throw SimulationError(os.str());
        }
    }
    return lines.size();
}

} // namespace smp
