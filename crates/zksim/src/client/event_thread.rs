//! `ClientCnxn.EventThread`: the client's states (`ZooKeeper.States`) and the watcher events
//! it delivers (SyncConnected, Disconnected, Expired, Closed), in order; its shutdown.

use super::*;

impl World {
    pub(super) fn set_client_state(&mut self, c: usize, state: ClientState) {
        if self.clients[c].state == state {
            return;
        }
        self.clients[c].state = state;
        let node = self.cnode(c);
        self.emit(
            node,
            EventKind::ClientState {
                state: state.name(),
            },
            move |_| (None, format!("ZooKeeper.States is now {}.", state.name())),
        );
    }

    /// `EventThread.queueEvent` for a None-type event, with its de-duplication.
    pub(super) fn queue_event(&mut self, c: usize, event: &'static str) {
        if self.clients[c].last_event == event {
            return;
        }
        self.clients[c].last_event = event;
        self.clients[c].events.push(event);
        let node = self.cnode(c);
        self.emit(node, EventKind::ClientEvent { event }, move |_| {
            (
                None,
                format!("The watcher receives WatchedEvent state:{event} type:None path:null."),
            )
        });
    }

    pub(super) fn event_thread_shutdown(&mut self, c: usize) {
        let node = self.cnode(c);
        let sid = self.clients[c].session_id;
        let names = self.cprofile(c).event_thread_log_names_session;
        self.log(
            node,
            EventKind::Note,
            Level::Info,
            "ClientCnxn",
            move || {
                if names {
                    format!("EventThread shut down for session: {}", hex(sid))
                } else {
                    "EventThread shut down".to_string()
                }
            },
            || "The EventThread delivered its last event and ended.".into(),
        );
    }
}
