//! File transfers (TR-069 Download, Upload, ScheduleDownload) and what is
//! done with the files (DESIGN.md "Transfers").

// pub mod agent;
// pub mod backup;
pub mod config_file;
pub mod queue;
pub mod rpc;
pub mod window;
