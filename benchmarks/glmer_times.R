# Time lme4's glmer on the glmer reference models, for benchmarks/bench_glmm.py --glmer-now (the peer in
# the same run). Run in the directory where tests/reference/glmm/data.py wrote the CSV files:
#   Rscript glmer_times.R specs.json REPEATS [ID ...]
# Prints one line per model: id, then the median wall time of REPEATS fits (after one untimed fit).
suppressMessages({library(lme4); library(jsonlite)})
args <- commandArgs(trailingOnly=TRUE)
specs <- fromJSON(args[1], simplifyVector=FALSE)
repeats <- as.integer(args[2])
only <- args[-(1:2)]
factors <- list(cbpp=c("herd", "period"), grouseticks=c("INDEX", "BROOD", "YEAR", "LOCATION"), ohio="id",
                Contraception=c("woman", "district"), VerbAgg="id")
for (s in specs) {
  if (length(only) > 0 && !(s$id %in% only)) next
  d <- read.csv(paste0(s$data, ".csv"), stringsAsFactors=TRUE, na.strings=c("NA", ""))
  for (f in factors[[s$data]]) d[[f]] <- factor(d[[f]])
  env <- new.env(); assign(s$data, d, envir=env)
  fam <- if (is.null(s$link)) as.name(s$family) else call(s$family, link=s$link)
  nagq <- if (is.null(s$nAGQ)) 1L else as.integer(s$nAGQ)
  call <- substitute(glmer(F, data=D, family=FAM, nAGQ=A), list(F=as.formula(s$formula), D=as.name(s$data), FAM=fam, A=nagq))
  if (!is.null(s$weights)) call$weights <- as.name(s$weights)
  fitit <- function() suppressWarnings(suppressMessages(eval(call, env)))
  fitit()
  times <- numeric()
  for (r in seq_len(repeats)) { t0 <- Sys.time(); fitit(); times <- c(times, as.numeric(difftime(Sys.time(), t0, units="secs"))) }
  cat(s$id, median(times), "\n")
}
