//! `ClientCnxn.EventThread`: the client's states (`ZooKeeper.States`) and the watcher events
//! it delivers (SyncConnected, Disconnected, Expired, Closed), in order; its shutdown.

use super::*;

impl Client {
    pub(super) fn set_client_state(&mut self, cx: &mut Cx, state: ClientState) {
        if self.state == state {
            return;
        }
        self.state = state;
        cx.out.emit(
            EventKind::ClientState {
                state: state.name(),
            },
            move |_| (None, format!("ZooKeeper.States is now {}.", state.name())),
        );
    }

    /// `EventThread.queueEvent` for a None-type event, with its de-duplication.
    pub(super) fn queue_event(&mut self, cx: &mut Cx, event: &'static str) {
        if self.last_event == event {
            return;
        }
        self.last_event = event;
        self.events.push(event);
        cx.out.emit(EventKind::ClientEvent { event }, move |_| {
            (
                None,
                format!("The watcher receives WatchedEvent state:{event} type:None path:null."),
            )
        });
    }

    pub(super) fn event_thread_shutdown(&mut self, cx: &mut Cx) {
        let sid = self.session_id;
        let names = cx.profile.event_thread_log_names_session;
        cx.out.log(
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
