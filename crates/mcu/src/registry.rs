//! The live state of the MCU: rooms (mirroring the database) and who is in them right now.
//!
//! H.323 call tasks come here to be admitted ([`RoomRegistry::join`]) and hold the returned
//! [`Seat`] for as long as the call lasts; the seat receives [`ParticipantCommand`]s (kick, room
//! deleted, shutdown) and leaves the room when dropped, so the participant list stays exact even
//! if a call task fails. The admin API reads and changes rooms here. Every change is also
//! published as a [`RoomChange`].
//!
//! The state sits behind a plain mutex that is never held across an `.await`: admission must be
//! atomic (two callers cannot both take the last place), and each operation is short.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use service::clock;
use service::db::{Db, DbError};
use service::release::ReleaseReason;
use time::OffsetDateTime;
use tokio::sync::{broadcast, mpsc, watch};

use crate::admission::{admit, Admission, AdmissionRequest, Alias, Occupancy, Policy};
use crate::config::VideoConfig;
use crate::media::{MediaEngine, ParticipantFigures, ParticipantMedia, RoomMediaView};
use crate::room::{self, InvalidRoom, LayoutChoice, Room};
use crate::store;

/// How long a kick, a room deletion or shutdown waits for a call task to release its call
/// before the participant is removed from the list anyway.
pub const RELEASE_GRACE: Duration = Duration::from_secs(5);

/// Participant id, unique while the MCU runs.
pub type ParticipantId = u64;

/// Why a participant is asked to leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveCause {
    /// Kicked through the admin API.
    Kicked,
    /// Its room was deleted.
    RoomDeleted,
    /// The MCU is shutting down.
    Shutdown,
    /// The call ended (either side hung up).
    Hangup,
}

/// An order to a participant's call task.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParticipantCommand {
    /// Send ReleaseComplete with this cause (and reason, if any), then drop the seat.
    Release {
        /// Q.850 cause (16).
        q850_cause: u8,
        /// ReleaseComplete-UUIE reason, if one fits.
        h225_reason: Option<ReleaseReason>,
        /// Why.
        why: LeaveCause,
    },
}

/// A participant as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participant {
    /// Id (for kicking).
    pub id: ParticipantId,
    /// Display name or first source alias.
    pub alias: String,
    /// All source aliases.
    pub aliases: Vec<String>,
    /// Remote call-signalling address.
    pub address: String,
    /// Negotiated codecs (empty until connected).
    pub codecs: Vec<String>,
    /// `connecting` until the call is answered, then `connected`; in a room with a PIN,
    /// `awaiting_pin` from admission until the caller keyed it (holding its place meanwhile).
    pub state: &'static str,
    /// When admitted.
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
    /// When answered.
    #[serde(with = "time::serde::rfc3339::option")]
    pub connected_at: Option<OffsetDateTime>,
    /// Media figures (in room views, while its media runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<ParticipantFigures>,
}

/// Who is calling, from the Setup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Q.931 Display IE.
    pub display: Option<String>,
    /// Setup `sourceAddress`.
    pub aliases: Vec<Alias>,
    /// Remote address of the signalling connection.
    pub address: std::net::SocketAddr,
}

/// A change to rooms or participants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RoomChange {
    /// Someone was admitted.
    Joined {
        /// Room number.
        room: String,
        /// Who.
        participant: Participant,
    },
    /// Their call was answered.
    Connected {
        /// Room number.
        room: String,
        /// Who.
        participant: Participant,
    },
    /// Someone left.
    Left {
        /// Room number.
        room: String,
        /// Who.
        participant: Participant,
        /// Why.
        why: LeaveCause,
    },
    /// A room was created, changed or deleted.
    Room {
        /// Room number.
        room: String,
    },
}

/// A room with its live participants, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomView {
    /// Stored fields.
    #[serde(flatten)]
    pub room: Room,
    /// A PIN is set.
    pub has_pin: bool,
    /// How many are in.
    pub participant_count: usize,
    /// Who is in, by id.
    pub participants: Vec<Participant>,
    /// The room's media: layout in use, encoder settings and counters.
    pub media: RoomMediaView,
}

/// Why a caller was refused: put these in ReleaseComplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection {
    /// Cause IE value.
    pub q850_cause: u8,
    /// ReleaseComplete-UUIE reason.
    pub h225_reason: ReleaseReason,
}

/// A room operation that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoomError {
    /// No such room.
    #[error("room {0} does not exist")]
    NotFound(String),
    /// Number taken.
    #[error("room {0} already exists")]
    Exists(String),
    /// Bad value.
    #[error(transparent)]
    Invalid(#[from] InvalidRoom),
    /// No such participant in that room.
    #[error("participant {id} is not in room {room}")]
    NoParticipant {
        /// Room.
        room: String,
        /// Participant.
        id: ParticipantId,
    },
    /// The room store failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Fields of a new room; absent ones take defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRoom {
    /// Number.
    pub number: String,
    /// Name (default: the number).
    #[serde(default)]
    pub name: Option<String>,
    /// Capacity (default: the MCU's `default_max_participants`).
    #[serde(default)]
    pub max_participants: Option<u32>,
    /// Locked (default false).
    #[serde(default)]
    pub locked: Option<bool>,
    /// PIN.
    #[serde(default)]
    pub pin: Option<String>,
    /// Continuous-presence layout (default `auto`).
    #[serde(default)]
    pub layout: Option<LayoutChoice>,
}

/// Changes to a room; absent fields stay. `pin: null` removes the PIN.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomPatch {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New capacity (does not remove anyone already in).
    #[serde(default)]
    pub max_participants: Option<u32>,
    /// Lock or unlock (does not remove anyone already in).
    #[serde(default)]
    pub locked: Option<bool>,
    /// `Some(None)` removes the PIN.
    #[serde(default, deserialize_with = "present")]
    pub pin: Option<Option<String>>,
    /// New layout (applies at once to the room's video).
    #[serde(default)]
    pub layout: Option<LayoutChoice>,
}

fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}

struct Live {
    info: Participant,
    commands: mpsc::Sender<ParticipantCommand>,
    // Dropped when the participant leaves: kickers wait on `closed()` of a subscription.
    gone: watch::Sender<()>,
}

struct Entry {
    room: Room,
    participants: BTreeMap<ParticipantId, Live>,
}

#[derive(Default)]
struct State {
    rooms: BTreeMap<String, Entry>,
    next_id: ParticipantId,
}

struct Inner {
    db: Db,
    policy: Policy,
    default_max: u32,
    state: Mutex<State>,
    changes: broadcast::Sender<RoomChange>,
    media: MediaEngine,
}

/// Rooms and live participants. Clones share state.
#[derive(Clone)]
pub struct RoomRegistry {
    inner: Arc<Inner>,
}

impl RoomRegistry {
    /// Loads the rooms stored in `db`.
    pub async fn load(
        db: Db,
        policy: Policy,
        default_max_participants: u32,
    ) -> Result<Self, DbError> {
        let rooms = db.call(|c| store::list(c)).await?;
        let state = State {
            rooms: rooms
                .into_iter()
                .map(|room| {
                    (
                        room.number.clone(),
                        Entry {
                            room,
                            participants: BTreeMap::new(),
                        },
                    )
                })
                .collect(),
            next_id: 1,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                policy,
                default_max: default_max_participants,
                state: Mutex::new(state),
                changes: broadcast::channel(1024).0,
                media: MediaEngine::default(),
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the maps consistent, so a panic elsewhere does not
        // poison the data itself.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn publish(&self, change: RoomChange) {
        let _ = self.inner.changes.send(change);
    }

    /// Changes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RoomChange> {
        self.inner.changes.subscribe()
    }

    /// All rooms with their participants.
    pub fn rooms(&self) -> Vec<RoomView> {
        let views: Vec<RoomView> = self.state().rooms.values().map(view).collect();
        views.into_iter().map(|v| self.with_media(v)).collect()
    }

    /// One room with its participants.
    pub fn room(&self, number: &str) -> Option<RoomView> {
        let v = self.state().rooms.get(number).map(view)?;
        Some(self.with_media(v))
    }

    /// The rooms' media engine.
    pub fn media(&self) -> &MediaEngine {
        &self.inner.media
    }

    /// Starts the media of `seat`'s participant in its room, on `sockets`; `commands` is its
    /// call's command sender (for videoFastUpdatePicture).
    pub fn join_media(
        &self,
        seat: &Seat,
        sockets: h323_tokio::MediaSockets,
        commands: mpsc::UnboundedSender<h323_tokio::Command>,
    ) -> ParticipantMedia {
        let layout = self
            .state()
            .rooms
            .get(&seat.room)
            .map(|e| e.room.layout)
            .unwrap_or_default();
        self.inner
            .media
            .join(&seat.room, layout, seat.id, sockets, commands)
    }

    // Taken after the registry lock is released: the two locks are never nested.
    fn with_media(&self, mut v: RoomView) -> RoomView {
        if let Some(m) = self.inner.media.view(&v.room.number) {
            for p in &mut v.participants {
                p.media = m.participants.get(&p.id).cloned();
            }
            v.media = m;
        } else {
            v.media = RoomMediaView::idle(self.inner.media.video(), v.room.layout);
        }
        v
    }

    /// Admits a caller (the decision is [`admit`], taken under the registry lock so that the
    /// last place goes to one caller only) and gives it a seat, or says why not.
    pub async fn join(
        &self,
        req: &AdmissionRequest,
        caller: Caller,
    ) -> Result<(Seat, RoomChange), Rejection> {
        let (seat, change, created) = {
            let mut st = self.state();
            let decision = admit(|k| st.rooms.get(k).map(occupancy), &self.inner.policy, req);
            let (room, create) = match decision {
                Admission::Accept { room, create } => (room, create),
                Admission::Reject {
                    q850_cause,
                    h225_reason,
                } => {
                    metrics::counter!("cascade_mcu_admissions_total", "result" => "rejected")
                        .increment(1);
                    return Err(Rejection {
                        q850_cause,
                        h225_reason,
                    });
                }
            };
            let created = create.then(|| Room {
                number: room.clone(),
                name: room.clone(),
                max_participants: self.inner.default_max,
                locked: false,
                pin: None,
                layout: LayoutChoice::Auto,
                created_at: clock::now(),
            });
            if let Some(r) = &created {
                st.rooms.insert(
                    room.clone(),
                    Entry {
                        room: r.clone(),
                        participants: BTreeMap::new(),
                    },
                );
            }
            let id = st.next_id;
            st.next_id += 1;
            let info = Participant {
                id,
                alias: caller
                    .display
                    .clone()
                    .filter(|d| !d.trim().is_empty())
                    .or_else(|| caller.aliases.first().map(|a| a.text().to_owned()))
                    .unwrap_or_else(|| caller.address.to_string()),
                aliases: caller.aliases.iter().map(|a| a.text().to_owned()).collect(),
                address: caller.address.to_string(),
                codecs: Vec::new(),
                state: "connecting",
                joined_at: clock::now(),
                connected_at: None,
                media: None,
            };
            let (tx, rx) = mpsc::channel(4);
            let Some(entry) = st.rooms.get_mut(&room) else {
                // Unreachable: admit() accepted an existing room or we just created it.
                return Err(Rejection {
                    q850_cause: service::release::CAUSE_UNALLOCATED_NUMBER,
                    h225_reason: ReleaseReason::CalledPartyNotRegistered,
                });
            };
            let pin = entry.room.pin.clone();
            let mut info = info;
            if pin.is_some() {
                info.state = "awaiting_pin";
            }
            entry.participants.insert(
                id,
                Live {
                    info: info.clone(),
                    commands: tx,
                    gone: watch::channel(()).0,
                },
            );
            let seat = Seat {
                id,
                room: room.clone(),
                pin,
                commands: rx,
                registry: Some(self.clone()),
            };
            let change = RoomChange::Joined {
                room,
                participant: info,
            };
            (seat, change, created)
        };
        if let Some(room) = created {
            tracing::info!(room = %room.number, "room created by a caller (auto_create_rooms)");
            let r = room.clone();
            if let Err(e) = self.inner.db.call(move |c| store::insert(c, &r)).await {
                tracing::error!(room = %room.number, error = %e, "cannot store auto-created room");
            }
            self.publish(RoomChange::Room { room: room.number });
        }
        metrics::counter!("cascade_mcu_admissions_total", "result" => "accepted").increment(1);
        self.publish(change.clone());
        Ok((seat, change))
    }

    fn mark_connected(
        &self,
        room: &str,
        id: ParticipantId,
        codecs: Vec<String>,
    ) -> Option<RoomChange> {
        let change = {
            let mut st = self.state();
            let live = st.rooms.get_mut(room)?.participants.get_mut(&id)?;
            live.info.state = "connected";
            live.info.connected_at = Some(clock::now());
            live.info.codecs = codecs;
            RoomChange::Connected {
                room: room.to_owned(),
                participant: live.info.clone(),
            }
        };
        self.publish(change.clone());
        Some(change)
    }

    fn remove(&self, room: &str, id: ParticipantId, why: LeaveCause) -> Option<RoomChange> {
        let live = self.state().rooms.get_mut(room)?.participants.remove(&id)?;
        let change = RoomChange::Left {
            room: room.to_owned(),
            participant: live.info,
            why,
        };
        self.publish(change.clone());
        Some(change)
    }

    /// Asks participant `id` of `room` to release (cause 16) and waits until it left (at most
    /// [`RELEASE_GRACE`], then it is removed anyway).
    pub async fn kick(&self, room: &str, id: ParticipantId) -> Result<(), RoomError> {
        let target = {
            let st = self.state();
            let entry = st
                .rooms
                .get(room)
                .ok_or_else(|| RoomError::NotFound(room.to_owned()))?;
            let live = entry
                .participants
                .get(&id)
                .ok_or_else(|| RoomError::NoParticipant {
                    room: room.to_owned(),
                    id,
                })?;
            (live.commands.clone(), live.gone.subscribe())
        };
        self.release_and_wait(room, id, target, LeaveCause::Kicked)
            .await;
        Ok(())
    }

    async fn release_and_wait(
        &self,
        room: &str,
        id: ParticipantId,
        (commands, mut gone): (mpsc::Sender<ParticipantCommand>, watch::Receiver<()>),
        why: LeaveCause,
    ) {
        let cmd = ParticipantCommand::Release {
            q850_cause: service::release::CAUSE_NORMAL_CLEARING,
            h225_reason: None,
            why,
        };
        let _ = commands.try_send(cmd);
        // `changed()` fails once the participant's entry (holding the sender) is gone.
        let left = tokio::time::timeout(RELEASE_GRACE, async {
            while gone.changed().await.is_ok() {}
        })
        .await;
        if left.is_err() {
            tracing::warn!(
                room,
                id,
                "call task did not release in time; removing participant"
            );
            self.remove(room, id, why);
        }
    }

    async fn release_many(
        &self,
        targets: Vec<(String, ParticipantId, TargetChannels)>,
        why: LeaveCause,
    ) {
        let waits = targets
            .into_iter()
            .map(|(room, id, t)| async move { self.release_and_wait(&room, id, t, why).await });
        futures_util::future::join_all(waits).await;
    }

    /// Releases everyone (shutdown) and waits until they left.
    pub async fn release_all(&self, why: LeaveCause) {
        let targets = {
            let st = self.state();
            st.rooms
                .values()
                .flat_map(|e| {
                    e.participants.iter().map(|(id, l)| {
                        (
                            e.room.number.clone(),
                            *id,
                            (l.commands.clone(), l.gone.subscribe()),
                        )
                    })
                })
                .collect::<Vec<_>>()
        };
        self.release_many(targets, why).await;
    }

    /// Creates a room.
    pub async fn create_room(&self, new: NewRoom) -> Result<RoomView, RoomError> {
        room::check_number(&new.number)?;
        let name = new.name.unwrap_or_else(|| new.number.clone());
        room::check_name(&name)?;
        let max = new.max_participants.unwrap_or(self.inner.default_max);
        room::check_capacity(max)?;
        if let Some(pin) = &new.pin {
            room::check_pin(pin)?;
        }
        let room = Room {
            number: new.number,
            name,
            max_participants: max,
            locked: new.locked.unwrap_or(false),
            pin: new.pin,
            layout: new.layout.unwrap_or_default(),
            created_at: clock::now(),
        };
        let r = room.clone();
        if !self.inner.db.call(move |c| store::insert(c, &r)).await? {
            return Err(RoomError::Exists(room.number));
        }
        let view = {
            let mut st = self.state();
            let entry = st
                .rooms
                .entry(room.number.clone())
                .or_insert_with(|| Entry {
                    room: room.clone(),
                    participants: BTreeMap::new(),
                });
            view(entry)
        };
        self.publish(RoomChange::Room {
            room: room.number.clone(),
        });
        Ok(self.with_media(view))
    }

    /// Creates the room if it is not stored yet (configuration seeding); true if created.
    pub async fn seed_room(&self, new: NewRoom) -> Result<bool, RoomError> {
        match self.create_room(new).await {
            Ok(_) => Ok(true),
            Err(RoomError::Exists(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Changes a room.
    pub async fn update_room(&self, number: &str, patch: RoomPatch) -> Result<RoomView, RoomError> {
        if let Some(n) = &patch.name {
            room::check_name(n)?;
        }
        if let Some(m) = patch.max_participants {
            room::check_capacity(m)?;
        }
        if let Some(Some(p)) = &patch.pin {
            room::check_pin(p)?;
        }
        let mut room = self
            .state()
            .rooms
            .get(number)
            .map(|e| e.room.clone())
            .ok_or_else(|| RoomError::NotFound(number.to_owned()))?;
        if let Some(n) = patch.name {
            room.name = n;
        }
        if let Some(m) = patch.max_participants {
            room.max_participants = m;
        }
        if let Some(l) = patch.locked {
            room.locked = l;
        }
        if let Some(p) = patch.pin {
            room.pin = p;
        }
        if let Some(l) = patch.layout {
            room.layout = l;
        }
        let r = room.clone();
        if !self.inner.db.call(move |c| store::update(c, &r)).await? {
            return Err(RoomError::NotFound(number.to_owned()));
        }
        let layout = room.layout;
        let view = {
            let mut st = self.state();
            let entry = st
                .rooms
                .get_mut(number)
                .ok_or_else(|| RoomError::NotFound(number.to_owned()))?;
            entry.room = room;
            view(entry)
        };
        self.inner.media.set_layout(number, layout);
        let view = self.with_media(view);
        self.publish(RoomChange::Room {
            room: number.to_owned(),
        });
        Ok(view)
    }

    /// Deletes a room, releasing its participants first.
    pub async fn delete_room(&self, number: &str) -> Result<(), RoomError> {
        let targets = {
            let st = self.state();
            let entry = st
                .rooms
                .get(number)
                .ok_or_else(|| RoomError::NotFound(number.to_owned()))?;
            entry
                .participants
                .iter()
                .map(|(id, l)| {
                    (
                        number.to_owned(),
                        *id,
                        (l.commands.clone(), l.gone.subscribe()),
                    )
                })
                .collect::<Vec<_>>()
        };
        self.release_many(targets, LeaveCause::RoomDeleted).await;
        let n = number.to_owned();
        self.inner.db.call(move |c| store::delete(c, &n)).await?;
        self.state().rooms.remove(number);
        self.publish(RoomChange::Room {
            room: number.to_owned(),
        });
        Ok(())
    }
}

type TargetChannels = (mpsc::Sender<ParticipantCommand>, watch::Receiver<()>);

fn occupancy(e: &Entry) -> Occupancy {
    Occupancy {
        max_participants: e.room.max_participants,
        locked: e.room.locked,
        participants: e.participants.len() as u32,
    }
}

fn view(e: &Entry) -> RoomView {
    RoomView {
        media: RoomMediaView::idle(VideoConfig::default(), e.room.layout),
        room: e.room.clone(),
        has_pin: e.room.pin.is_some(),
        participant_count: e.participants.len(),
        participants: e.participants.values().map(|l| l.info.clone()).collect(),
    }
}

/// A caller's place in a room, held by its H.323 call task for the life of the call. Dropping
/// it leaves the room.
pub struct Seat {
    id: ParticipantId,
    room: String,
    pin: Option<String>,
    commands: mpsc::Receiver<ParticipantCommand>,
    registry: Option<RoomRegistry>,
}

impl std::fmt::Debug for RoomRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomRegistry").finish_non_exhaustive()
    }
}

// By hand: the PIN must not reach logs through `{:?}`.
impl std::fmt::Debug for Seat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seat")
            .field("id", &self.id)
            .field("room", &self.room)
            .field("pin_protected", &self.pin.is_some())
            .finish_non_exhaustive()
    }
}

impl Seat {
    /// Participant id.
    pub fn id(&self) -> ParticipantId {
        self.id
    }

    /// Room number.
    pub fn room(&self) -> &str {
        &self.room
    }

    /// The room's PIN when the caller joined, which it must key before it is admitted.
    pub fn pin(&self) -> Option<&str> {
        self.pin.as_deref()
    }

    /// The next order for the call task (cancel-safe, for `select!`); `None` never comes while
    /// the participant is listed.
    pub async fn next_command(&mut self) -> Option<ParticipantCommand> {
        self.commands.recv().await
    }

    /// Reports the call answered with these codecs (e.g. `["PCMU", "H.264"]`).
    pub fn connected(&self, codecs: Vec<String>) -> Option<RoomChange> {
        self.registry
            .as_ref()?
            .mark_connected(&self.room, self.id, codecs)
    }

    /// Leaves the room now, saying why; returns what changed (`None` if already removed).
    pub fn leave(mut self, why: LeaveCause) -> Option<RoomChange> {
        let registry = self.registry.take()?;
        registry.remove(&self.room, self.id, why)
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.take() {
            registry.remove(&self.room, self.id, LeaveCause::Hangup);
        }
    }
}
