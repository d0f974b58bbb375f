//! The TR-181 mapping of this agent: providers for the data-model engine
//! (src/datamodel/), each reading from a [`Root`] so tests run on fixture
//! trees. [`build`] mounts them; the agent builds one per session.
//!
//! Providers are mounted on the parameters they really serve (not on
//! whole objects): the engine exposes exactly the mounted parameters, so a
//! TR-181 parameter nobody implements is absent (9005) rather than faked.

pub mod device_info;
pub mod ethernet;
pub mod ip;
pub mod management_server;
pub mod process;
pub mod time;
pub mod tz;
pub mod uci;

use std::cell::RefCell;
use std::rc::Rc;

use crate::agent::identity::Identity;
use crate::backend::uci::Store;
use crate::cwmp::rpc::parameters::ApplyStatus;
use crate::cwmp::{Fault, FaultCode};
use crate::datamodel::{DataModel, ObjRef, Provider, Schema};
use crate::paths::Root;

use self::uci::{SharedStage, UciParam, UciParams, UciStage};

/// The value of `Device.RootDataModelVersion`: the TR-181 version of the
/// schema (src/datamodel/tr181_table.rs is generated from 2.19).
pub const ROOT_DATA_MODEL_VERSION: &str = "2.19";

/// What the agent knows that is not in a file.
#[derive(Debug, Clone)]
pub struct Live {
    pub identity: Identity,
    pub connection_request_url: String,
    /// UDPConnectionRequestAddress / NATDetected from the STUN task.
    pub stun: management_server::StunLive,
    /// Unix seconds (Device.Time.CurrentLocalTime).
    pub now: i64,
    /// netifd's `network.interface dump`, taken by the agent before it
    /// builds the model (the engine is synchronous, ubus is not); `None`
    /// when there is no ubus: the IP tables are then UCI-only.
    pub netifd: Option<Vec<crate::backend::netifd::InterfaceStatus>>,
}

/// One provider mounted on several parameters.
pub struct Shared<P>(pub Rc<RefCell<P>>);

impl<P> Clone for Shared<P> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<P: Provider> Provider for Shared<P> {
    fn serves(&self, object: &str, name: &str) -> bool {
        self.0.borrow().serves(object, name)
    }
    fn get(&mut self, obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        self.0.borrow_mut().get(obj, name)
    }
    fn instances(&mut self, table: ObjRef<'_>) -> Result<Vec<String>, Fault> {
        self.0.borrow_mut().instances(table)
    }
    fn set(&mut self, obj: ObjRef<'_>, name: &str, value: &str) -> Result<(), Fault> {
        self.0.borrow_mut().set(obj, name, value)
    }
    fn adds_instances(&self, table: &str) -> bool {
        self.0.borrow().adds_instances(table)
    }
    fn add(&mut self, table: ObjRef<'_>) -> Result<String, Fault> {
        self.0.borrow_mut().add(table)
    }
    fn delete(&mut self, obj: ObjRef<'_>) -> Result<(), Fault> {
        self.0.borrow_mut().delete(obj)
    }
    fn commit(&mut self) -> Result<ApplyStatus, Fault> {
        self.0.borrow_mut().commit()
    }
    fn revert(&mut self) {
        self.0.borrow_mut().revert()
    }
}

/// `Device.RootDataModelVersion`.
struct Version;

impl Provider for Version {
    fn get(&mut self, _obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        match name {
            "RootDataModelVersion" => Ok(ROOT_DATA_MODEL_VERSION.to_string()),
            _ => Err(Fault::with_string(
                FaultCode::INVALID_PARAMETER_NAME,
                name.to_string(),
            )),
        }
    }
    fn instances(&mut self, _table: ObjRef<'_>) -> Result<Vec<String>, Fault> {
        Ok(Vec::new())
    }
}

/// Mounts collected by `build`, handed to the engine in one go.
type Mounts = Vec<(String, Box<dyn Provider>)>;

fn mount_each<P: Provider + 'static>(
    dm: &mut Mounts,
    object: &str,
    names: impl IntoIterator<Item = &'static str>,
    provider: P,
) {
    let shared = Shared(Rc::new(RefCell::new(provider)));
    for name in names {
        dm.push((format!("{object}{name}"), Box::new(shared.clone())));
    }
}

fn mount_uci(dm: &mut Mounts, object: &str, stage: &SharedStage, rows: &'static [UciParam]) {
    let provider = UciParams {
        stage: stage.clone(),
        rows,
    };
    mount_each(dm, object, rows.iter().map(|r| r.name), provider);
}

/// The data model over the files under `root`, with `live` values.
pub fn build(root: &Root, live: Live) -> DataModel {
    let mut mounts: Mounts = Vec::new();
    let dm = &mut mounts;
    let stage = UciStage::new(Store::new(root.dir()));
    mount_each(dm, "Device.", ["RootDataModelVersion"], Version);

    let info = device_info::DeviceInfo {
        root: root.clone(),
        identity: live.identity,
    };
    mount_each(
        dm,
        device_info::OBJECT,
        device_info::PARAMS.iter().copied(),
        info,
    );
    mount_uci(dm, device_info::OBJECT, &stage, device_info::UCI);

    mount_uci(
        dm,
        management_server::OBJECT,
        &stage,
        management_server::UCI,
    );
    let ms_live = management_server::Live {
        connection_request_url: live.connection_request_url,
        stun: live.stun,
    };
    mount_each(
        dm,
        management_server::OBJECT,
        management_server::LIVE.iter().copied(),
        ms_live,
    );

    mount_uci(dm, time::OBJECT, &stage, time::UCI);
    mount_each(
        dm,
        time::OBJECT,
        time::CLOCK.iter().copied(),
        time::Clock {
            now: live.now,
            stage: stage.clone(),
        },
    );
    dm.push((
        time::CLIENT_TABLE.to_string(),
        Box::new(time::NtpClient {
            stage: stage.clone(),
        }),
    ));
    dm.push((
        process::TABLE.to_string(),
        Box::new(process::Processes {
            root: root.clone(),
            seen: Default::default(),
        }),
    ));
    dm.push((
        ip::TABLE.to_string(),
        Box::new(ip::IpInterfaces {
            stage: stage.clone(),
            root: root.clone(),
            netifd: live.netifd,
        }),
    ));
    dm.push((
        ethernet::TABLE.to_string(),
        Box::new(ethernet::Ethernet { root: root.clone() }),
    ));
    let mut model = DataModel::new(Schema::tr181());
    model.mount_all(mounts);
    model
}
