//! What the browser does, decided by the client core and checked on a simulated network
//! with a relay session: no browser, no sockets, no sleeps — seconds for all of it.

mod support;

use std::collections::BTreeSet;

use support::World;
use tandem_client::{
    ApiCall, Connection, Event, Notice,
    access::{Access, Reason, Role, State},
    records::Record,
    restore::Outcome,
};
use tandem_sync::presence::{EXPIRY_MS, HEARTBEAT_MS, Presence, Side};

fn me(name: &str, side: Side) -> Presence {
    Presence {
        name: name.into(),
        side,
    }
}

#[test]
fn a_new_partnership_is_claimed_then_synced_and_counted_synced() {
    let mut w = World::new();
    let p = w.profile();
    let tab = w.open_tab(p);
    let id = w.create(tab);
    w.type_goal(tab, id, "Grow RU sales");
    assert_eq!(w.tabs[tab].client.connection(), Connection::Online);
    assert!(w.tabs[tab].calls.contains(&ApiCall::Claim(id)));
    assert_eq!(w.tabs[tab].client.access(&id).state, State::Active);
    assert_eq!(w.relay_goal(id).as_deref(), Some("Grow RU sales"));
    assert_eq!(w.tabs[tab].client.unsynced(&id), 0);
    assert_eq!(w.stored_goal(p, id).as_deref(), Some("Grow RU sales"));
}

#[test]
fn reconnects_with_jittered_backoff_and_resets_it_once_online() {
    let mut w = World::new();
    w.relay.up = false;
    let p = w.profile();
    let tab = w.open_tab(p);
    // The device cannot even register: each failure waits longer, with the jitter the
    // random number asks for (0.5 → 15% added).
    w.random = 0.5;
    let mut waits = Vec::new();
    for _ in 0..7 {
        let wait = w.reconnect_timer(tab).expect("a retry is scheduled");
        waits.push(wait);
        w.advance(wait);
    }
    assert_eq!(waits, [1_150, 2_300, 4_600, 9_200, 18_400, 34_500, 34_500]);
    assert_eq!(
        w.tabs[tab].client.connection(),
        Connection::Offline {
            retry_in_s: Some(35)
        }
    );
    // Another random number, another wait: browsers do not retry in lockstep.
    w.random = 0.0;
    w.relay.up = true;
    w.advance(34_500);
    assert_eq!(w.tabs[tab].client.connection(), Connection::Online);
    // Once online, a drop starts again from one second.
    w.relay_down();
    assert_eq!(w.reconnect_timer(tab), Some(1_000));
    // The browser going offline stops the retries until it is back.
    w.event(tab, Event::Offline);
    w.advance(1_000);
    assert_eq!(
        w.tabs[tab].client.connection(),
        Connection::Offline { retry_in_s: None }
    );
    w.relay.up = true;
    w.event(tab, Event::Online);
    assert_eq!(w.tabs[tab].client.connection(), Connection::Online);
}

#[test]
fn a_socket_refused_before_its_handshake_registers_the_device_again() {
    let mut w = World::new();
    let p = w.profile();
    let tab = w.open_tab(p);
    assert!(w.profiles[p].local.contains_key("tandem.device.registered"));
    let registrations = |w: &World| {
        w.tabs[tab]
            .calls
            .iter()
            .filter(|c| **c == ApiCall::RegisterDevice)
            .count()
    };
    assert_eq!(registrations(&w), 1);
    w.relay_down();
    w.relay.up = true;
    w.tabs[tab].online = false; // the socket opens and closes at once
    w.advance(w.reconnect_timer(tab).expect("a retry"));
    assert!(!w.profiles[p].local.contains_key("tandem.device.registered"));
    w.tabs[tab].online = true;
    w.advance(w.reconnect_timer(tab).expect("a retry"));
    assert_eq!(registrations(&w), 2);
    assert_eq!(w.tabs[tab].client.connection(), Connection::Online);
}

#[test]
fn a_full_disk_keeps_edits_syncing_and_retries_until_saved() {
    let mut w = World::new();
    let p = w.profile();
    let tab = w.open_tab(p);
    let id = w.create(tab);
    w.profiles[p].disk_full = true;
    w.type_goal(tab, id, "kept in memory");
    let problem = w.tabs[tab].client.save_problem(&id).cloned();
    assert!(problem.is_some_and(|e| e.full && e.message.contains("full")));
    // Not stored, but not lost: it reached the relay.
    assert_eq!(w.stored_goal(p, id).as_deref(), Some(""));
    assert_eq!(w.relay_goal(id).as_deref(), Some("kept in memory"));
    // Still failing: the problem is not re-announced (the banner is not redrawn).
    w.tabs[tab].notices.clear();
    w.advance(5_000);
    assert!(!w.tabs[tab].notices.contains(&Notice::SaveProblem(id)));
    w.profiles[p].disk_full = false;
    w.advance(5_000);
    assert_eq!(w.tabs[tab].client.save_problem(&id), None);
    assert!(w.tabs[tab].notices.contains(&Notice::SaveProblem(id)));
    assert_eq!(w.stored_goal(p, id).as_deref(), Some("kept in memory"));
    assert!(!w.tabs[tab].client.has_unsaved(&id));
}

#[test]
fn edits_made_while_a_save_is_out_are_saved_after_it() {
    let mut w = World::new();
    let p = w.profile();
    let tab = w.open_tab(p);
    let id = w.create(tab);
    // Two edits whose saves overlap: the world runs a save at once, so make one wait by
    // editing directly and answering late.
    let now = w.now;
    let doc = w.tabs[tab].client.doc_mut(&id).expect("here");
    doc.change(now, "a", |p| {
        p.goal.update("first");
        Ok::<_, tandem_domain::error::CommandError>(())
    })
    .expect("a change");
    let tasks = w.tabs[tab].client.handle(now, 0.5, Event::LocalEdit(id));
    let (saves, rest): (Vec<_>, Vec<_>) = tasks
        .into_iter()
        .partition(|t| matches!(t, tandem_client::Task::Save { .. }));
    w.run(tab, rest);
    w.settle();
    let saves: Vec<_> = saves.iter().collect();
    assert_eq!(saves.len(), 1);
    w.type_goal(tab, id, "second"); // a save is out: no second one yet
    assert!(w.tabs[tab].client.has_unsaved(&id));
    let heads = match saves[0] {
        tandem_client::Task::Save { heads, .. } => heads.clone(),
        _ => unreachable!(),
    };
    let bytes = match saves[0] {
        tandem_client::Task::Save { bytes, .. } => bytes.clone(),
        _ => unreachable!(),
    };
    w.profiles[p]
        .chunks
        .get_mut(&id)
        .expect("stored")
        .push(bytes);
    w.event(
        tab,
        Event::Saved {
            id,
            result: Ok(heads),
        },
    );
    assert!(!w.tabs[tab].client.has_unsaved(&id));
    assert_eq!(w.stored_goal(p, id).as_deref(), Some("second"));
}

/// A browser that synced, then edited offline, then lost its IndexedDB.
fn evicted(offline_edit: bool) -> (World, usize, tandem_domain::document_id::DocumentId) {
    let mut w = World::new();
    let p = w.profile();
    let tab = w.open_tab(p);
    let id = w.create(tab);
    w.type_goal(tab, id, "synced");
    let synced_at = w.now;
    if offline_edit {
        w.relay_down();
        w.advance(60_000);
        w.type_goal(tab, id, "only saved here");
    }
    let record = w.profiles[p].stored().saved[&id].clone();
    assert_eq!(record.relay_had_all_ms, Some(synced_at));
    // The browser evicts IndexedDB; localStorage stays.
    w.profiles[p].chunks.clear();
    w.relay.up = true;
    let again = w.open_tab(p);
    (w, again, id)
}

#[test]
fn an_evicted_store_comes_back_from_the_relay_whole() {
    let (mut w, tab, id) = evicted(false);
    assert_eq!(
        w.tabs[tab].client.restores()[&id].outcome,
        Outcome::Restored
    );
    assert_eq!(w.goal(tab, id).as_deref(), Some("synced"));
}

#[test]
fn an_evicted_store_with_changes_the_relay_never_had_is_reported_lost_since_the_last_sync() {
    let (mut w, tab, id) = evicted(true);
    let since = w.tabs[tab].client.restores()[&id].outcome.clone();
    let record_relay = match since {
        Outcome::Lost { since_ms } => since_ms,
        other => panic!("expected lost, got {other:?}"),
    };
    assert!(record_relay.is_some());
    assert_eq!(w.goal(tab, id).as_deref(), Some("synced"));
    // The person read it: a restored partnership's record stays (it is stored again).
    w.event(tab, Event::DismissRestore(id));
    assert!(w.tabs[tab].client.restores().is_empty());
}

#[test]
fn an_evicted_partnership_never_registered_is_said_to_have_lived_only_here() {
    let mut w = World::new();
    w.relay.up = false;
    let p = w.profile();
    let tab = w.open_tab(p);
    let id = w.create(tab);
    assert_eq!(w.tabs[tab].client.access(&id).state, State::Unregistered);
    w.profiles[p].chunks.clear();
    let again = w.open_tab(p);
    assert_eq!(
        w.tabs[again].client.restores()[&id].outcome,
        Outcome::OnlyHere
    );
    assert!(w.tabs[again].client.doc(&id).is_none());
    // Read once, then forgotten: not reported at every start.
    w.event(again, Event::DismissRestore(id));
    assert!(!w.profiles[p].stored().saved.contains_key(&id));
}

#[test]
fn a_revoked_link_stops_syncing_and_keeps_the_copy_read_only() {
    let mut w = World::new();
    let owner_p = w.profile();
    let owner = w.open_tab(owner_p);
    let id = w.create(owner);
    w.type_goal(owner, id, "shared");
    let guest_p = w.profile();
    let guest = w.open_tab(guest_p);
    w.event(
        guest,
        Event::Joined {
            id,
            role: Role::Editor,
            stored: None,
        },
    );
    assert_eq!(w.goal(guest, id).as_deref(), Some("shared"));
    assert!(w.tabs[guest].client.access(&id).can_edit());
    // The owner revokes the link: the relay stops syncing it with the guest.
    w.relay.docs.refused.insert(id);
    w.relay.access_answer.insert(id, Err(Reason::Revoked));
    w.cut(w.tabs[guest].conn.expect("connected"));
    w.advance(w.reconnect_timer(guest).expect("a retry"));
    let access = w.tabs[guest].client.access(&id);
    assert_eq!(
        access,
        Access {
            role: Role::Editor,
            state: State::Revoked
        }
    );
    assert!(!access.can_edit());
    assert!(w.record(guest_p, &Record::Access(id, access)));
    // The copy stays, and nothing more is offered for it.
    assert_eq!(w.goal(guest, id).as_deref(), Some("shared"));
    w.relay.docs.refused.remove(&id);
    w.type_goal(owner, id, "after the revocation");
    w.cut(w.tabs[guest].conn.expect("connected"));
    w.advance(w.reconnect_timer(guest).expect("a retry"));
    assert_eq!(w.goal(guest, id).as_deref(), Some("shared"));
    // After a reload too.
    let reloaded = w.open_tab(guest_p);
    assert_eq!(w.tabs[reloaded].client.access(&id).state, State::Revoked);
    assert_eq!(w.goal(reloaded, id).as_deref(), Some("shared"));
}

#[test]
fn a_partnership_the_relay_forgot_is_claimed_again_by_its_owner() {
    let mut w = World::new();
    let p = w.profile();
    let tab = w.open_tab(p);
    let id = w.create(tab);
    w.relay.docs.refused.insert(id);
    w.relay.access_answer.insert(id, Err(Reason::NoAccess));
    w.relay.docs.docs.clear();
    let claims = |w: &World| {
        w.tabs[tab]
            .calls
            .iter()
            .filter(|c| **c == ApiCall::Claim(id))
            .count()
    };
    assert_eq!(claims(&w), 1);
    w.cut(w.tabs[tab].conn.expect("connected"));
    w.advance(w.reconnect_timer(tab).expect("a retry"));
    // Asked, told the relay does not know it; an owner registers it again.
    assert!(claims(&w) >= 2);
    assert_eq!(w.tabs[tab].client.access(&id).state, State::Active);
}

#[test]
fn quiet_peers_leave_the_roster_and_a_goodbye_leaves_at_once() {
    let mut w = World::new();
    let a_p = w.profile();
    let a = w.open_tab(a_p);
    let id = w.create(a);
    let b_p = w.profile();
    let b = w.open_tab(b_p);
    w.event(
        b,
        Event::Joined {
            id,
            role: Role::Editor,
            stored: None,
        },
    );
    w.event(a, Event::SetMe(me("Anna", Side::Brand)));
    w.event(b, Event::SetMe(me("Маша", Side::Creator)));
    w.event(a, Event::ScreenOpened(id));
    w.event(b, Event::ScreenOpened(id));
    let present = |w: &World, tab: usize| -> Vec<String> {
        w.tabs[tab]
            .client
            .roster(&id)
            .map(|r| r.present().into_iter().map(|p| p.name).collect())
            .unwrap_or_default()
    };
    assert_eq!(present(&w, a), ["Маша"]);
    // A newcomer hears who was there without waiting for a heartbeat.
    assert_eq!(present(&w, b), ["Anna"]);
    // Heartbeats keep both present.
    w.advance(HEARTBEAT_MS as i64 * 4);
    assert_eq!(present(&w, a), ["Маша"]);
    // B's network goes without a goodbye: A drops it once quiet too long.
    w.tabs[b].online = false;
    w.event(b, Event::Offline);
    w.advance(EXPIRY_MS as i64 + HEARTBEAT_MS as i64);
    assert!(present(&w, a).is_empty());
    // A page closing says goodbye: gone at once.
    w.tabs[b].online = true;
    w.event(b, Event::Online);
    assert_eq!(present(&w, a), ["Маша"]);
    w.event(b, Event::PageHidden);
    assert!(present(&w, a).is_empty());
}

#[test]
fn a_partnership_typed_into_before_the_socket_opens_converges() {
    let mut w = World::new();
    w.relay.up = false;
    let p = w.profile();
    let tab = w.open_tab(p);
    let id = w.create(tab);
    w.type_goal(tab, id, "typed while connecting");
    assert!(w.tabs[tab].client.unsynced(&id) > 0);
    w.relay.up = true;
    w.advance(w.reconnect_timer(tab).expect("a retry"));
    assert_eq!(w.relay_goal(id).as_deref(), Some("typed while connecting"));
    assert_eq!(w.tabs[tab].client.unsynced(&id), 0);
    let other_p = w.profile();
    let other = w.open_tab(other_p);
    w.event(
        other,
        Event::Joined {
            id,
            role: Role::Viewer,
            stored: None,
        },
    );
    assert_eq!(w.goal(other, id).as_deref(), Some("typed while connecting"));
    assert!(!w.tabs[other].client.access(&id).can_edit());
}

#[test]
fn two_tabs_of_one_browser_see_each_others_edits_through_storage() {
    let mut w = World::new();
    w.relay.up = false; // no relay: only storage and the tab channel carry it
    let p = w.profile();
    let one = w.open_tab(p);
    let two = w.open_tab(p);
    let id = w.create(one);
    // Created in one tab: the other takes it from storage.
    assert!(w.tabs[two].client.doc(&id).is_some());
    assert!(w.tabs[two].notices.contains(&Notice::Documents));
    w.tabs[two].notices.clear();
    w.type_goal(one, id, "from tab one");
    assert_eq!(w.goal(two, id).as_deref(), Some("from tab one"));
    assert!(w.tabs[two].notices.contains(&Notice::Document(id)));
    w.type_goal(two, id, "and back");
    assert_eq!(w.goal(one, id).as_deref(), Some("and back"));
}

#[test]
fn only_the_partnership_that_changed_is_announced_to_the_screens() {
    let mut w = World::new();
    let a_p = w.profile();
    let a = w.open_tab(a_p);
    let first = w.create(a);
    let second = w.create_as(
        a,
        tandem_domain::document_id::DocumentId::from_bytes([42; 16]),
    );
    let b_p = w.profile();
    let b = w.open_tab(b_p);
    w.event(
        b,
        Event::Joined {
            id: second,
            role: Role::Editor,
            stored: None,
        },
    );
    w.tabs[a].notices.clear();
    w.type_goal(b, second, "remote keystroke");
    let docs: BTreeSet<_> = w.tabs[a]
        .notices
        .iter()
        .filter_map(|n| match n {
            Notice::Document(id) => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(docs, BTreeSet::from([second]));
    assert!(!docs.contains(&first));
}

#[test]
fn remembered_heads_make_a_reconnection_send_only_what_is_new() {
    // A partnership with a long history, synced.
    let mut w = World::new();
    let p = w.profile();
    let tab = w.open_tab(p);
    let id = w.create(tab);
    for i in 0..2000 {
        w.type_goal(tab, id, &format!("goal {i}"));
    }
    assert_eq!(w.tabs[tab].client.unsynced(&id), 0);
    let remembered = w.profiles[p].stored().relay_heads[&id].clone();
    assert_eq!(remembered, w.relay_heads(id));
    // Reopened with the record, and without it.
    let with = w.open_tab(p);
    let with_bytes = w.tabs[with].sent_bytes;
    let mut forgetful = w.profiles[p].clone();
    forgetful
        .local
        .retain(|k, _| !k.starts_with("tandem.relay-heads."));
    w.profiles.push(forgetful);
    let without = w.open_tab(w.profiles.len() - 1);
    let without_bytes = w.tabs[without].sent_bytes;
    assert_eq!(w.tabs[with].client.connection(), Connection::Online);
    assert!(
        with_bytes * 5 < without_bytes,
        "with remembered heads {with_bytes} B, without {without_bytes} B"
    );
}

#[test]
fn another_server_is_offered_only_the_picked_partnerships_and_no_record_is_written() {
    let mut w = World::new();
    let p = w.profile();
    let tab = w.open_tab(p);
    let picked = w.create(tab);
    let private = w.create_as(
        tab,
        tandem_domain::document_id::DocumentId::from_bytes([9; 16]),
    );
    w.relay.docs.docs.clear();
    let before = w.profiles[p].local.clone();
    let other = w.open_tab_with(p, vec![picked], BTreeSet::new(), true);
    assert_eq!(w.tabs[other].client.connection(), Connection::Online);
    assert!(
        w.tabs[other].calls.is_empty(),
        "no API call to another server"
    );
    assert!(w.relay.docs.docs.contains_key(&picked));
    assert!(!w.relay.docs.docs.contains_key(&private));
    let access_records = |m: &std::collections::BTreeMap<String, String>| {
        m.iter()
            .filter(|(k, _)| k.starts_with("tandem.access."))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        access_records(&w.profiles[p].local),
        access_records(&before)
    );
}

#[test]
fn a_refused_claim_of_one_partnership_does_not_keep_the_others_from_syncing() {
    let mut w = World::new();
    w.relay.up = false;
    let p = w.profile();
    let tab = w.open_tab(p);
    let refused = w.create_as(
        tab,
        tandem_domain::document_id::DocumentId::from_bytes([7; 16]),
    );
    let fine = w.create_as(
        tab,
        tandem_domain::document_id::DocumentId::from_bytes([9; 16]),
    );
    w.type_goal(tab, fine, "still syncs");
    // The relay's claim quota turns the first partnership away (a reason, not a cut).
    w.relay.claim_refusal.insert(refused, Reason::TooManyClaims);
    w.relay.up = true;
    w.advance(w.reconnect_timer(tab).expect("a retry"));
    assert_eq!(w.tabs[tab].client.connection(), Connection::Online);
    assert_eq!(w.relay_goal(fine).as_deref(), Some("still syncs"));
    // The refused one waits, editable, to be registered with a later attempt.
    let waiting = w.tabs[tab].client.access(&refused);
    assert_eq!(waiting.state, State::Unregistered);
    assert!(waiting.can_edit());
    assert!(w.relay_goal(refused).is_none());
}

#[test]
fn the_relay_unreachable_while_claiming_stops_the_attempt_and_retries_it() {
    let mut w = World::new();
    w.relay.up = false;
    let p = w.profile();
    let tab = w.open_tab(p);
    let id = w.create(tab);
    w.type_goal(tab, id, "made offline");
    w.relay.up = true;
    w.relay.claim_refusal.insert(id, Reason::StoreFailed);
    w.advance(w.reconnect_timer(tab).expect("a retry"));
    // The relay's store failing is not this partnership's fault: no socket, a retry.
    assert!(matches!(
        w.tabs[tab].client.connection(),
        Connection::Offline {
            retry_in_s: Some(_)
        }
    ));
    w.relay.claim_refusal.clear();
    w.advance(w.reconnect_timer(tab).expect("another retry"));
    assert_eq!(w.relay_goal(id).as_deref(), Some("made offline"));
}

#[test]
fn a_partnership_joined_in_another_tab_opens_in_a_tab_that_waited_for_it() {
    let mut w = World::new();
    let owner_p = w.profile();
    let owner = w.open_tab(owner_p);
    let id = w.create(owner);
    w.type_goal(owner, id, "shared by link");
    // The guest opened the link's page in one tab, then joined in another.
    let guest_p = w.profile();
    let waiting = w.open_tab(guest_p);
    let joining = w.open_tab(guest_p);
    w.event(waiting, Event::Fetch { id, stored: None });
    assert!(w.tabs[waiting].client.is_unavailable(&id));
    w.tabs[waiting].notices.clear();
    w.event(
        joining,
        Event::Joined {
            id,
            role: Role::Editor,
            stored: None,
        },
    );
    assert_eq!(w.goal(joining, id).as_deref(), Some("shared by link"));
    // The joining tab stored it: the waiting tab takes it in, and says so.
    assert_eq!(w.goal(waiting, id).as_deref(), Some("shared by link"));
    assert!(!w.tabs[waiting].client.is_unavailable(&id));
    let notices = &w.tabs[waiting].notices;
    assert!(notices.contains(&Notice::Unavailable(id)));
    assert!(notices.contains(&Notice::Document(id)));
    assert_eq!(w.tabs[waiting].client.access(&id).role, Role::Editor);
}

#[test]
fn a_second_link_recorded_by_another_tab_is_never_lowered() {
    let mut w = World::new();
    let owner_p = w.profile();
    let owner = w.open_tab(owner_p);
    let id = w.create(owner);
    let guest_p = w.profile();
    let guest = w.open_tab(guest_p);
    let editor = Access {
        role: Role::Editor,
        state: State::Active,
    };
    // Another tab joined as an editor; this one redeems a viewer's link.
    w.event(
        guest,
        Event::Joined {
            id,
            role: Role::Viewer,
            stored: Some(editor),
        },
    );
    assert_eq!(w.tabs[guest].client.access(&id), editor);
}

#[test]
fn stored_chunks_that_do_not_load_are_never_counted_as_held() {
    let mut w = World::new();
    w.relay.up = false;
    let p = w.profile();
    let one = w.open_tab(p);
    let two = w.open_tab(p);
    let id = w.create(one);
    assert!(w.tabs[two].held_reads.contains(&id));
    w.tabs[two].held_reads.clear();
    // A newer version in the first tab wrote something this one cannot read: compacting
    // here must not replace (delete) it.
    w.profiles[p]
        .chunks
        .get_mut(&id)
        .expect("stored")
        .push(b"not automerge".to_vec());
    w.event(one, Event::TabStored(id));
    w.event(two, Event::TabStored(id));
    assert!(w.tabs[two].held_reads.is_empty());
    assert!(w.tabs[one].held_reads.is_empty());
}

#[test]
fn the_reconnect_countdown_is_the_timer_that_is_set() {
    let mut w = World::new();
    w.relay.up = false;
    let p = w.profile();
    let tab = w.open_tab(p);
    w.random = 0.0;
    for _ in 0..6 {
        w.advance(w.reconnect_timer(tab).expect("a retry"));
    }
    // The network comes back: backoff resets, the attempt fails at once.
    w.event(tab, Event::Offline);
    w.event(tab, Event::Online);
    let Connection::Offline {
        retry_in_s: Some(shown),
    } = w.tabs[tab].client.connection()
    else {
        panic!("offline with a retry");
    };
    let due = w.reconnect_timer(tab).expect("a retry");
    assert_eq!(
        i64::from(shown),
        due.div_euclid(1000) + i64::from(due % 1000 != 0)
    );
    assert!(due <= 2_000, "the reset backoff waits {due} ms");
}

#[test]
fn a_partnership_still_loading_is_neither_judged_evicted_nor_fetched_and_syncs_once_loaded() {
    let mut w = World::new();
    let p = w.profile();
    let one = w.open_tab(p);
    let shown = w.create_as(
        one,
        tandem_domain::document_id::DocumentId::from_bytes([3; 16]),
    );
    let later = w.create_as(
        one,
        tandem_domain::document_id::DocumentId::from_bytes([5; 16]),
    );
    w.type_goal(one, later, "kept in storage");
    assert_eq!(w.relay_goal(later).as_deref(), Some("kept in storage"));
    // A new tab starts with the partnership its page shows; the other is still loading.
    let tab = w.open_tab_loading(p, Vec::new(), BTreeSet::new(), false, [later].into());
    let c = &mut w.tabs[tab].client;
    assert_eq!(c.connection(), Connection::Online);
    assert_eq!(c.ids(), vec![shown]);
    assert!(c.is_pending(&later));
    assert_eq!(c.pending_count(), 1);
    // Stored, so not evicted: nothing is restored or asked of the relay for it.
    assert!(c.restores().is_empty());
    w.tabs[tab].notices.clear();
    w.event(
        tab,
        Event::Fetch {
            id: later,
            stored: None,
        },
    );
    assert!(w.tabs[tab].client.doc(&later).is_none());
    assert!(!w.tabs[tab].notices.contains(&Notice::Unavailable(later)));
    // It loads: held, counted synced, editable, and it syncs.
    w.loaded(tab, later);
    assert!(!w.tabs[tab].client.is_pending(&later));
    assert!(w.tabs[tab].notices.contains(&Notice::Documents));
    assert_eq!(w.goal(tab, later).as_deref(), Some("kept in storage"));
    assert_eq!(w.tabs[tab].client.unsynced(&later), 0);
    assert!(w.tabs[tab].client.restores().is_empty());
    w.type_goal(tab, later, "typed in the new tab");
    assert_eq!(w.relay_goal(later).as_deref(), Some("typed in the new tab"));
    assert_eq!(w.goal(one, later).as_deref(), Some("typed in the new tab"));
    // A late or repeated answer changes nothing.
    w.loaded(tab, later);
    assert_eq!(w.goal(tab, later).as_deref(), Some("typed in the new tab"));
}

#[test]
fn a_partnership_another_tab_stored_while_it_loaded_keeps_what_that_tab_wrote() {
    let mut w = World::new();
    w.relay.up = false; // only storage and the tab channel
    let p = w.profile();
    let one = w.open_tab(p);
    let id = w.create(one);
    w.type_goal(one, id, "before");
    let tab = w.open_tab_loading(p, Vec::new(), BTreeSet::new(), false, [id].into());
    // Read from storage while this tab was loading the older state.
    let older = w.profiles[p].chunks[&id].clone();
    w.type_goal(one, id, "written meanwhile");
    assert_eq!(w.goal(tab, id).as_deref(), Some("written meanwhile"));
    // The load that started earlier finishes with the older chunks: merged, nothing lost.
    let doc = tandem_domain::document::PartnershipDoc::load(older.iter().map(Vec::as_slice))
        .expect("loads");
    w.event(
        tab,
        Event::Opened {
            id,
            doc: Some(Box::new(doc)),
        },
    );
    assert!(!w.tabs[tab].client.is_pending(&id));
    assert_eq!(w.goal(tab, id).as_deref(), Some("written meanwhile"));
    w.type_goal(tab, id, "and on");
    assert_eq!(w.stored_goal(p, id).as_deref(), Some("and on"));
}

#[test]
fn a_partnership_made_offline_and_still_loading_is_registered_once_loaded() {
    let mut w = World::new();
    w.relay.up = false;
    let p = w.profile();
    let one = w.open_tab(p);
    let id = w.create(one);
    w.type_goal(one, id, "made offline");
    w.relay.up = true;
    let tab = w.open_tab_loading(p, Vec::new(), BTreeSet::new(), false, [id].into());
    assert_eq!(w.tabs[tab].client.connection(), Connection::Online);
    assert!(!w.tabs[tab].calls.contains(&ApiCall::Claim(id)));
    w.loaded(tab, id);
    assert!(w.tabs[tab].calls.contains(&ApiCall::Claim(id)));
    assert_eq!(w.tabs[tab].client.access(&id).state, State::Active);
    assert_eq!(w.relay_goal(id).as_deref(), Some("made offline"));
    assert_eq!(w.tabs[tab].client.unsynced(&id), 0);
}

#[test]
fn a_partnership_that_does_not_load_after_the_start_is_only_no_longer_pending() {
    let mut w = World::new();
    let p = w.profile();
    let one = w.open_tab(p);
    let id = w.create(one);
    let tab = w.open_tab_loading(p, Vec::new(), BTreeSet::new(), false, [id].into());
    w.tabs[tab].notices.clear();
    w.event(tab, Event::Opened { id, doc: None });
    assert!(!w.tabs[tab].client.is_pending(&id));
    assert!(w.tabs[tab].client.doc(&id).is_none());
    assert!(w.tabs[tab].notices.contains(&Notice::Documents));
    // Never replaced by a restore: the unreadable copy stays the platform's to show.
    assert!(w.tabs[tab].client.restores().is_empty());
}
