pub mod real_uci;
