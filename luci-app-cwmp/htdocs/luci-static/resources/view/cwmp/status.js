'use strict';
'require view';
'require rpc';
'require poll';
'require ui';

// Live view of the agent: the reply of `ubus call cwmp status`
// (src/ubus_api.rs AgentStatus::to_blob), refreshed every 5 seconds, and a
// button that asks the agent to open a session now (`cwmp inform`).

// No `expect`: with one, LuCI's rpc replaces a failed call's ubus status by
// the expected default, and a stopped agent would look like an empty status.
// Without it the call resolves with the reply object, or with the numeric
// ubus status when the call fails (NOT_FOUND while cwmpd is not running).
const callStatus = rpc.declare({
	object: 'cwmp',
	method: 'status'
});

// The agent raises `6 CONNECTION REQUEST` when no event is given; naming it
// here keeps the request explicit (TR-069 3.7.1.5: an out-of-schedule
// connection).
const callInform = rpc.declare({
	object: 'cwmp',
	method: 'inform',
	params: [ 'event' ]
});

const ORIGINS = {
	uci: _('configured'),
	dhcp: _('DHCP option 43'),
	default: _('default ACS URL')
};

// Unix seconds from the agent (0 = never) as UTC, the clock the agent logs in.
function time(t) {
	if (!t)
		return _('never');
	return new Date(t * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

function row(label, value, id) {
	return E('tr', { 'class': 'tr' }, [
		E('td', { 'class': 'td left', 'style': 'width:33%' }, [ label ]),
		E('td', { 'class': 'td left', 'data-field': id }, [ value ])
	]);
}

function acsText(st) {
	if (!st.acs_url)
		return _('none known');
	const origin = ORIGINS[st.acs_url_origin] || st.acs_url_origin || '?';
	return '%s (%s)'.format(st.acs_url, origin);
}

function resultText(ls) {
	if (!ls || !ls.result)
		return _('no session yet');
	if (ls.result === 'success')
		return _('success');
	return ls.fault ? _('failed: %s').format(ls.fault) : _('failed');
}

// Transfer states as `status` reports them (README "ubus call cwmp status:
// transfers"). The view names each transfer by its CommandKey, not its URL.
const TRANSFER_STATES = {
	queued: _('queued'),
	waiting_window: _('waiting for its time window'),
	flashing: _('flashing the firmware')
};

function transferText(t) {
	let state;
	if (t.state === 'running')
		state = (t.bytes != null) ? _('running, %d bytes so far').format(t.bytes) : _('running');
	else if (t.state === 'completed')
		state = _('completed with fault %d, awaiting the ACS acknowledgement').format(t.fault_code || 0);
	else
		state = TRANSFER_STATES[t.state] || t.state || '?';
	return '%s %s (%s): %s'.format(t.command_key || '', t.kind || '?', t.file_type || '?', state);
}

function transfersText(st) {
	const list = Array.isArray(st.transfers) ? st.transfers : [];
	return list.length ? list.map(transferText).join('; ') : _('none');
}

function lastTransferText(lt) {
	if (!lt || !lt.time)
		return _('none');
	return _('%s: fault %d at %s').format(lt.command_key, lt.fault_code || 0, time(lt.time));
}

function table(st) {
	// callStatus resolves with the ubus status code when the call fails,
	// e.g. NOT_FOUND (4) while cwmpd is stopped.
	if (st == null || typeof st !== 'object')
		return E('p', { 'id': 'cwmp-status', 'class': 'alert-message warning' },
			_('The agent does not answer (ubus status %d): is cwmpd running?').format(+st || 0));
	const ls = st.last_session || {};
	const counters = st.counters || {};
	const events = Array.isArray(st.pending_events) ? st.pending_events : [];
	return E('table', { 'class': 'table', 'id': 'cwmp-status' }, [
		row(_('Agent'), st.enabled ? _('enabled') : _('disabled'), 'enabled'),
		row(_('ACS in use'), acsText(st), 'acs'),
		row(_('Last session started'), time(ls.start), 'last_start'),
		row(_('Last session ended'), time(ls.end), 'last_end'),
		row(_('Last session result'), resultText(ls), 'last_result'),
		row(_('Next periodic inform'), time(st.next_periodic_inform), 'next_inform'),
		row(_('Retries'), String(st.retry_count || 0), 'retry_count'),
		row(_('Pending events'), events.length ? events.join(', ') : _('none'), 'pending_events'),
		row(_('Connection Request URL'), st.connection_request_url || _('not announced yet'), 'cr_url'),
		row(_('Sessions'), _('%d successful, %d failed').format(
			counters.sessions_ok || 0, counters.sessions_failed || 0), 'counters'),
		row(_('Transfers'), transfersText(st), 'transfers'),
		row(_('Last transfer'), lastTransferText(st.last_transfer), 'last_transfer')
	]);
}

return view.extend({
	load() {
		return callStatus();
	},

	informNow(ev) {
		const button = ev.currentTarget;
		button.disabled = true;
		return callInform('6 CONNECTION REQUEST').then(reply => {
			if (reply && reply.queued)
				ui.addNotification(null, E('p', _('Session requested.')), 'info');
			else if (typeof reply === 'number')
				ui.addNotification(null, E('p', _('The agent did not accept the request (ubus status %d).').format(reply)), 'error');
			else
				ui.addNotification(null, E('p', _('The agent did not accept the request.')), 'error');
		}).catch(err => {
			ui.addNotification(null, E('p', _('Request failed: %s').format(err.message)), 'error');
		}).finally(() => {
			button.disabled = false;
		});
	},

	render(status) {
		const holder = E('div', { 'id': 'cwmp-status-holder' }, [ table(status) ]);

		poll.add(() => callStatus().then(st => {
			holder.replaceChildren(table(st));
		}), 5);

		return E('div', { 'class': 'cbi-map' }, [
			E('h2', _('TR-069 status')),
			E('div', { 'class': 'cbi-section' }, [
				holder,
				E('div', { 'class': 'right' }, [
					E('button', {
						'class': 'btn cbi-button-action',
						'id': 'cwmp-inform-now',
						'click': ui.createHandlerFn(this, 'informNow')
					}, [ _('Inform now') ])
				])
			])
		]);
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
